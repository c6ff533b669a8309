import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeWav } from '../../src/audio/index.ts';
import { inferCommand } from '../../src/cli/infer.ts';
import { type ClientEvent, VoxClient, prepareAudio, streamAudio } from '../../src/client/index.ts';
import { VoxServer } from '../../src/server/index.ts';

/**
 * The default acoustic model (CMU's en-us, trained on real speech) end to end on real recordings of a speaker
 * voxstream never heard (test/fixtures/real-speech/README.md): through a real server on a real socket, and
 * through `voxstream infer`.
 */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/real-speech/${name}`, import.meta.url));

function recording(name: string): { pcm: Float32Array; sampleRate: number } {
  const wav = decodeWav(new Uint8Array(readFileSync(fixture(name))));
  return { pcm: wav.channels[0] as Float32Array, sampleRate: wav.sampleRate };
}

let server: VoxServer;
beforeAll(async () => {
  server = await VoxServer.start({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    defaultContext: fixture('goforward.yaml'),
  });
});
afterAll(async () => {
  await server?.close();
});

async function stream(name: string, encoding: 'pcm_s16le' | 'opus'): Promise<ClientEvent[]> {
  const client = await VoxClient.connect(`ws://127.0.0.1:${server.port}/`);
  const all = firstValueFrom(client.events.pipe(toArray()));
  await client.start({
    audio: { encoding, sampleRate: 16000 },
    reply: { encoding: 'pcm_s16le', sampleRate: 16000 },
  });
  await streamAudio(client, prepareAudio(recording(name), { encoding, sampleRate: 16000 }), {
    realtime: false,
  });
  client.stop();
  const events = await all;
  await client.closed;
  return events;
}

describe('real speech with the default acoustic model', () => {
  it('understands a real recording streamed as PCM, and as Opus', async () => {
    for (const encoding of ['pcm_s16le', 'opus'] as const) {
      const events = await stream('goforward.wav', encoding);
      const intent = events.find((e) => e.type === 'intent');
      expect(intent, encoding).toMatchObject({
        understood: true,
        intent: 'move',
        slots: { direction: 'forward', distance: 'ten' },
        transcript: 'go forward ten meters',
      });
      expect(events.some((e) => e.type === 'partial')).toBe(true);
    }
  }, 60_000);

  it('voxstream infer understands every real recording of the cards context', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    try {
      const files = ['001', '002', '003', '004'].map((n) => fixture(`cards-${n}.wav`));
      expect(
        await inferCommand(['--context', fixture('cards.yaml'), '--json', '--concurrency', '1', ...files]),
      ).toBe(0);
    } finally {
      write.mockRestore();
    }
    const lines = out
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const byFile = (n: string) => lines.find((l) => l['file'] === fixture(`cards-${n}.wav`));
    expect(byFile('001')).toMatchObject({ understood: true, slots: { rank: 'ten', suit: 'clubs' } });
    expect(byFile('002')).toMatchObject({
      understood: true,
      slots: { first: 'four', rank: 'queen', suit: 'clubs' },
    });
    expect(byFile('003')).toMatchObject({ understood: true, slots: { rank: 'seven', suit: 'clubs' } });
    expect(byFile('004')).toMatchObject({
      understood: true,
      intent: 'twoRanks',
      slots: { first: 'five', second: 'five' },
    });
  }, 60_000);
});
