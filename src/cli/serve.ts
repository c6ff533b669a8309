import { parseArgs } from 'node:util';
import type { Device } from '../inference/providers.ts';
import { VoxServer } from '../server/index.ts';

/** `voxstream serve`: runs the server until SIGINT/SIGTERM, then drains and exits. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      device: { type: 'string' },
      context: { type: 'string' },
      'max-sessions': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const port = Number(values.port ?? process.env['PORT'] ?? 8080);
  let server: VoxServer;
  try {
    server = await VoxServer.start({
      port,
      ...(values.host ? { host: values.host } : {}),
      ...(values.device || process.env['VOXSTREAM_DEVICE'] ? { device: (values.device ?? process.env['VOXSTREAM_DEVICE']) as Device } : {}),
      ...(values.context ? { defaultContext: values.context } : {}),
      ...(values['max-sessions'] ? { maxSessions: Number(values['max-sessions']) } : {}),
      logLevel: values.quiet ? 'silent' : 'info',
    });
  } catch (error) {
    process.stderr.write(`voxstream serve: ${(error as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
