import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { defaultAsrModelPath } from '../../src/inference/asrModel.ts';
import { WorkerSession } from '../../src/inference/workerSession.ts';

const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, executionProviders: ['cpu'] };

describe('WorkerSession', () => {
  it('runs a model in a worker thread with the same outputs as on the main thread, and releases it', async () => {
    const main = await ort.InferenceSession.create(defaultAsrModelPath, options);
    const worker = await WorkerSession.open(defaultAsrModelPath, options);
    try {
      expect(worker.inputNames).toEqual(main.inputNames);
      const feats = Float32Array.from({ length: 2 * 16 * 80 }, (_, i) => Math.sin(i / 7));
      const state = new Float32Array(2 * 8 * 144 * 14);
      const feeds = () => ({
        feats: new ort.Tensor('float32', feats.slice(), [2, 16, 80]),
        state: new ort.Tensor('float32', state.slice(), [2, 8, 144, 14]),
      });
      const [a, b] = await Promise.all([main.run(feeds()), worker.run(feeds())]);
      for (const name of main.outputNames) {
        expect(b[name]?.dims).toEqual(a[name]?.dims);
        expect(Array.from(b[name]?.data as Float32Array)).toEqual(Array.from(a[name]?.data as Float32Array));
      }
      // Concurrent runs are answered each with its own outputs.
      const many = await Promise.all([1, 2, 3].map(() => worker.run(feeds())));
      for (const out of many) expect(out['logprobs']?.data).toEqual(a['logprobs']?.data);
    } finally {
      await worker.release();
      await main.release();
    }
    await expect(worker.run({})).rejects.toThrow(/released/);
  });

  it('sends a tensor that views part of a larger buffer as just its view, and leaves that buffer to the caller', async () => {
    const worker = await WorkerSession.open(defaultAsrModelPath, options);
    try {
      const feats = Float32Array.from({ length: 2 * 16 * 80 }, (_, i) => Math.cos(i / 5));
      const state = new Float32Array(2 * 8 * 144 * 14);
      const whole = await worker.run({
        feats: new ort.Tensor('float32', feats.slice(), [2, 16, 80]),
        state: new ort.Tensor('float32', state.slice(), [2, 8, 144, 14]),
      });
      // The same values in the middle of buffers twice their size, as a growable batch buffer holds them.
      const big = new Float32Array(4 * feats.length).fill(99);
      big.set(feats, feats.length);
      const view = big.subarray(feats.length, 2 * feats.length);
      const part = await worker.run({
        feats: new ort.Tensor('float32', view, [2, 16, 80]),
        state: new ort.Tensor('float32', state.slice(), [2, 8, 144, 14]),
      });
      expect(part['logprobs']?.data).toEqual(whole['logprobs']?.data);
      expect(big.buffer.byteLength).toBe(4 * feats.length * 4);
      expect(Array.from(view)).toEqual(Array.from(feats));
    } finally {
      await worker.release();
    }
  });

  it('rejects naming the problem when the model cannot load', async () => {
    await expect(WorkerSession.open('/nonexistent/model.onnx', options)).rejects.toThrow();
  });
});
