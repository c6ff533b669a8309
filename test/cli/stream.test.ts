import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/index.ts';
import { type CliIo, streamCommand } from '../../src/cli/stream.ts';
import { VoxServer } from '../../src/server/index.ts';
import { syntheticSpeech } from '../helpers/models.ts';
import { closeSpeech, speech } from '../helpers/speech.ts';

describe('voxstream stream --fast against a real server', () => {
  let server: VoxServer;
  let dir: string;
  let file: string;
  const burstMs = 1000;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vx-stream-fast-'));
    // A command, then silence to 4 s: four times the server's burst allowance.
    const { pcm, sampleRate } = await speech('turn on the kitchen lights');
    const long = new Float32Array(sampleRate * 4);
    long.set(pcm);
    file = join(dir, 'long.wav');
    writeFileSync(file, encodeWav(long, sampleRate));
    server = await VoxServer.start({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      audioBurstMs: burstMs,
      replies: false,
      ...syntheticSpeech,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await closeSpeech();
    rmSync(dir, { recursive: true, force: true });
  });

  it('paces itself to the allowance in ready instead of being cut off with VX_AUDIO_RATE_EXCEEDED', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => errors.push(l), onInterrupt: () => () => {} };
    const started = performance.now();
    const code = await streamCommand([file, '--url', server.url, '--fast', '--json'], io);
    const elapsed = performance.now() - started;
    const events = lines.map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(errors).toEqual([]);
    expect(code).toBe(0);
    expect(events[0]).toMatchObject({ type: 'ready', audioBurstMs: burstMs });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.find((e) => e.type === 'intent')).toMatchObject({
      understood: true,
      intent: 'changeLightState',
    });
    // 4 s of audio and 1 s of silence the client appends, at most 1 s ahead: no sooner than ~4 s.
    expect(elapsed).toBeGreaterThan(5000 - burstMs);
  }, 60_000);
});
