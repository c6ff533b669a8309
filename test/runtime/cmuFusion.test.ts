import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAcousticTables } from '../../src/asr/acousticTables.ts';
import { type GraphHypothesis, Lexicon, type SenoneFrames } from '../../src/asr/index.ts';
import { CmuFusionModel } from '../../src/inference/cmuFusionModel.ts';
import { cmuFusionRescorer } from '../../src/runtime/cmuFusion.ts';

const shipped = join(import.meta.dirname, '..', '..', 'models', 'fusion-cmu', 'fusion-cmu.onnx');

describe('cmuFusionRescorer', () => {
  it("leaves an utterance with one parse to the decoder's statistic, without running the model", async () => {
    const model = await CmuFusionModel.load({ path: shipped });
    try {
      expect(model.minParses).toBe(2);
      const rescorer = cmuFusionRescorer(model, await loadAcousticTables(), await Lexicon.load(), {
        ratioMidpoint: 1.05,
        ratioScale: 2,
      });
      const one = { words: ['seven'], ratio: 1.37, score: -1700, speech: { start: 10, end: 50 } };
      // The frames are never read: any access would throw.
      const frames = new Proxy({} as SenoneFrames, {
        get: () => {
          throw new Error('frames read');
        },
      });
      await expect(rescorer.rescore(frames, [one as unknown as GraphHypothesis])).resolves.toEqual([1.37]);
    } finally {
      await model.release();
    }
  });
});
