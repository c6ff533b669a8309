import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferFile, inferSession } from '../../src/cli/infer.ts';
import { Engine, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';

/** Real recordings of one speaker (pocketsphinx's test data; test/fixtures/real-speech/README.md). */
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'real-speech');
const cards = [1, 2, 3, 4].map((n) => join(fixtures, `cards-00${n}.wav`));

describe('inferSession: several files through one session, as a device that keeps its socket open', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(resolveRuntimeOptions({ inferenceThreads: 'main' }), {
      log: createLogger('silent'),
    });
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('gives each file its own utterance and result, in order, and a file alone the same words', async () => {
    const context = await engine.context(join(fixtures, 'cards.yaml'));
    const results = await inferSession(engine, context, cards);
    expect(results.map((r) => r.file)).toEqual(cards);
    expect(results.map((r) => r.transcript)).toEqual([
      'ten of clubs',
      'four queen of clubs',
      'seven of clubs',
      'five five',
    ]);
    expect(results.map((r) => r.utterances)).toEqual([1, 1, 1, 1]);
    for (const r of results) {
      expect(r.understood).toBe(true);
      expect(r.audioMs).toBeGreaterThan(500);
      expect(r.processMs).toBeGreaterThan(0);
      expect(r.stages.intent).toBeGreaterThanOrEqual(0);
    }
    const alone = await inferFile(engine, context, cards[1] as string);
    expect(alone.transcript).toBe('four queen of clubs');
    expect(alone.utterances).toBe(1);
  }, 120_000);

  it('returns nothing for no files, and names a file it cannot read', async () => {
    const context = await engine.context(join(fixtures, 'cards.yaml'));
    await expect(inferSession(engine, context, [])).resolves.toEqual([]);
    await expect(
      inferSession(engine, context, [cards[0] as string, join(fixtures, 'missing.wav')]),
    ).rejects.toThrow(/missing\.wav/);
  });
});
