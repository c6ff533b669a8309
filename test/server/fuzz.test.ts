import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxServer } from '../../src/server/index.ts';
import { collectGarbage, fuzzCodec, fuzzSessions, serverSettled, speechChunks } from '../../scripts/fuzz.ts';
import { closeSpeech } from '../helpers/speech.ts';

/** A small, seeded run of scripts/fuzz.ts (which runs ≥ 10,000 cases); same properties, same checks. */
const seed = 20_260_101;

describe('fuzzing the decoder', () => {
  it('decodes or refuses with a protocol error, never anything else', () => {
    expect(fuzzCodec(300, seed)).toBeGreaterThanOrEqual(1500);
  });
});

describe('fuzzing live sessions', () => {
  let server: VoxServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await server?.close();
    await closeSpeech();
  });

  it('survives random and mutated control messages and frames, accounting for every utterance', async () => {
    const url = `ws://127.0.0.1:${server.port}/`;
    const chunks = await speechChunks();
    await fuzzSessions(url, 5, seed + 1, chunks); // warm-up: first-use allocations are not growth
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const stats = await fuzzSessions(url, 50, seed, chunks);
    expect(stats.cases).toBeGreaterThanOrEqual(50);
    const settled = await serverSettled(server);
    expect(settled.detail).toMatchObject({
      sessions: 0,
      liveGraphs: 0,
      asrQueued: 0,
      vadQueued: 0,
      violations: 0,
      balanced: true,
    });
    expect(settled.detail['accepted']).toBeGreaterThan(0); // the scripts did reach the models
    collectGarbage();
    expect((process.memoryUsage().heapUsed - heapBefore) / 1e6).toBeLessThan(32);
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
