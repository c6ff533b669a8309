import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferSession } from '../../src/cli/infer.ts';
import { Engine, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';

/** Real recordings of one speaker (pocketsphinx's test data; test/fixtures/real-speech/README.md). */
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'real-speech');
const cards = [1, 2, 3, 4].map((n) => join(fixtures, `cards-00${n}.wav`));
const shipped = join(import.meta.dirname, '..', '..', 'models', 'fusion-cmu', 'fusion-cmu.onnx');

describe('the CMU path with its shipped fusion model (models/fusion-cmu, opt-in)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.load(
      resolveRuntimeOptions({ inferenceThreads: 'main', fusionModelPath: shipped }),
      {
        log: createLogger('silent'),
      },
    );
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
  });

  it('loads, rescores the final pass of real recordings, and answers', async () => {
    const context = await engine.context(join(fixtures, 'cards.yaml'));
    const results = await inferSession(engine, context, cards);
    expect(results.map((r) => r.transcript)).toEqual([
      'ten of clubs',
      'four queen of clubs',
      'seven of clubs',
      'five five',
    ]);
    for (const r of results) expect(r.utterances).toBe(1);
  }, 120_000);
});
