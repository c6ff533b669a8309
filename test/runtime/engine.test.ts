import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SenoneRecognizer } from '../../src/asr/index.ts';
import { mulberry32 } from '../../src/context/index.ts';
import {
  Engine,
  type ModelRunWrapper,
  type SharedModel,
  createLogger,
  resolveRuntimeOptions,
} from '../../src/runtime/index.ts';

const log = createLogger('silent');

describe('Engine.load', () => {
  it('rejects naming the model file that does not load', async () => {
    await expect(
      Engine.load(resolveRuntimeOptions({ acousticModel: 'ctc', asrModelPath: '/nope.onnx' }), { log }),
    ).rejects.toThrow(/\/nope\.onnx/);
    await expect(
      Engine.load(resolveRuntimeOptions({ acousticModel: 'ctc', fusionModelPath: '/nope/fusion.onnx' }), {
        log,
      }),
    ).rejects.toThrow(/\/nope\/fusion\.onnx/);
  });

  it('rejects naming the CMU model folder or the CMU path fusion model that does not load', async () => {
    await expect(
      Engine.load(resolveRuntimeOptions({ acousticModelDir: '/nope/am-en-us' }), { log }),
    ).rejects.toThrow(/\/nope\/am-en-us/);
    await expect(
      Engine.load(resolveRuntimeOptions({ fusionModelPath: '/nope/fusion-cmu.onnx' }), { log }),
    ).rejects.toThrow(/^cannot load model \/nope\/fusion-cmu\.onnx/);
    expect(() => resolveRuntimeOptions({ acousticModel: 'kaldi' as 'cmu' })).toThrow(
      /acousticModel must be one of cmu, ctc/,
    );
  });

  it('refuses a final pass asking for more Gaussians than a codebook has', async () => {
    await expect(Engine.load(resolveRuntimeOptions({ finalGaussians: 129 }), { log })).rejects.toThrow(
      /finalGaussians: an integer from 1 to 128, got 129/,
    );
  });

  it('refuses a fusion model of another format, saying which it is and which it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-fusion-'));
    try {
      writeFileSync(join(dir, 'fusion.onnx'), 'not used: the format is checked first');
      writeFileSync(join(dir, 'fusion.json'), JSON.stringify({ format: 'voxstream-fusion-1' }));
      await expect(
        Engine.load(
          resolveRuntimeOptions({ acousticModel: 'ctc', fusionModelPath: join(dir, 'fusion.onnx') }),
          { log },
        ),
      ).rejects.toThrow(/fusion\.json.*"voxstream-fusion-1".*voxstream-fusion-2/);
      // The CMU model's fusion model is another format: a CTC path's model is refused there by name.
      writeFileSync(join(dir, 'fusion.json'), JSON.stringify({ format: 'voxstream-fusion-2' }));
      await expect(
        Engine.load(resolveRuntimeOptions({ fusionModelPath: join(dir, 'fusion.onnx') }), { log }),
      ).rejects.toThrow(/fusion\.onnx.*"voxstream-fusion-2".*voxstream-fusion-cmu-1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Engine', () => {
  it('sends every batched model run through the wrapper it was loaded with; a failing run fails its requests', async () => {
    const seen: SharedModel[] = [];
    let failNext = false;
    const wrapRun: ModelRunWrapper = (model, run) => {
      seen.push(model);
      if (!failNext) return run();
      failNext = false;
      return Promise.reject(new Error('injected'));
    };
    const engine = await Engine.load(resolveRuntimeOptions({ inferenceThreads: 'main' }), { log, wrapRun });
    try {
      const vad = engine.voiceScorer();
      const silence = new Float32Array(512);
      const p = await vad.score(silence);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(0.5);
      expect(seen).toEqual(['vad']);
      failNext = true;
      await expect(vad.score(silence)).rejects.toThrow('injected');
      expect(await vad.score(silence)).toBeCloseTo(p, 1);
      expect(seen).toEqual(['vad', 'vad', 'vad']);
    } finally {
      await engine.close();
    }
  });

  it('denoises each session in the RNNoise worker (server threads) or in process (infer), the same audio', async () => {
    const noise = Float32Array.from(
      { length: 3200 },
      (_, i) => 0.05 * Math.sin(i * 1.3) * Math.cos(i * 0.07),
    );
    const out: Float32Array[] = [];
    for (const inferenceThreads of ['worker', 'main'] as const) {
      const engine = await Engine.load(resolveRuntimeOptions({ denoise: 'rnnoise', inferenceThreads }), {
        log,
      });
      try {
        const denoiser = engine.denoiser();
        if (!denoiser) throw new Error('no denoiser');
        const first = denoiser.push(noise.subarray(0, 1600));
        expect(first instanceof Promise).toBe(inferenceThreads === 'worker');
        const parts = [await first, await denoiser.push(noise.subarray(1600))];
        denoiser.release();
        out.push(Float32Array.from(parts.flatMap((p) => [...p])));
      } finally {
        await engine.close();
      }
    }
    expect(out[0]).toEqual(out[1]);
  });

  it("with denoise 'auto' decodes a noisy utterance again from its denoised audio", async () => {
    // A second of noise with a louder hum in its middle: the words of any parse stand a few dB above the rest.
    const random = mulberry32(3);
    const pcm = Float32Array.from(
      { length: 16000 },
      (_, i) =>
        0.05 * (random() * 2 - 1) +
        (i > 4000 && i < 12000 ? 0.1 * Math.sin((2 * Math.PI * 200 * i) / 16000) : 0),
    );
    const engine = await Engine.load(resolveRuntimeOptions({ denoise: 'auto', inferenceThreads: 'main' }), {
      log,
    });
    try {
      expect(engine.denoiser()).toBeNull();
      const recognizer = (await engine.context('smart_home')).decoding.recognizer();
      if (!(recognizer instanceof SenoneRecognizer)) throw new TypeError('the CMU recognizer');
      const features = engine.acoustic.features();
      features.startUtterance();
      const rows = [features.push(pcm), features.end()];
      const feats = Float32Array.from(rows.flatMap((r) => [...r]));
      const frames = feats.length / features.dim;
      for (let at = 0; at < frames; at += 16) {
        const n = Math.min(16, frames - at);
        const audio = at === 0 ? pcm : new Float32Array(0);
        await recognizer.push(
          feats.subarray(at * features.dim, (at + n) * features.dim),
          n,
          features.side(at, n),
          audio,
        );
      }
      await recognizer.finish();
      expect(recognizer.denoised).toBe(true);
      expect(engine.metrics.denoisedUtterances.get()).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('compiles a context once and hands every caller the same one', async () => {
    const engine = await Engine.load(resolveRuntimeOptions({ inferenceThreads: 'main' }), { log });
    try {
      const first = engine.context('smart_home');
      expect(engine.context('smart_home')).toBe(first);
      expect((await first).graph).toBeDefined();
      // Slot values given by a session make another context, cached under its own key.
      const withAttic = engine.context('smart_home', { room: ['attic'] });
      expect(withAttic).not.toBe(first);
      expect((await withAttic).name).toBe('smart_home');
      expect(engine.context('smart_home', { room: ['attic'] })).toBe(withAttic);
    } finally {
      await engine.close();
    }
  });
});
