import { VoxClient } from '../client/index.ts';

/**
 * Opens `count` sessions that start and then send nothing (devices waiting for their wake word), to weigh
 * what an idle session costs the server. Resolves once all have their `ready`; `close` ends them.
 */
export async function openIdleSessions(
  url: string,
  count: number,
  options: { context?: string; token?: string },
): Promise<{ opened: number; close: () => Promise<void> }> {
  const clients: VoxClient[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        const client = await VoxClient.connect(url, options.token ? { token: options.token } : {});
        await client.start({
          audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
          ...(options.context !== undefined ? { context: options.context } : {}),
        });
        clients.push(client);
      } catch {
        // refused: counted by `opened`
      }
    }),
  );
  return {
    opened: clients.length,
    close: async () => {
      await Promise.all(clients.map((c) => c.close(1000, 'bench idle sessions done')));
    },
  };
}
