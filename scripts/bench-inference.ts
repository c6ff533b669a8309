/**
 * Inference microbenchmark of the shipped ASR encoder on each execution provider: time per stream-chunk
 * (160 ms of audio) at several batch sizes, and whether a GPU provider's outputs match the CPU's.
 *
 *   npx tsx scripts/bench-inference.ts [--devices cpu,webgpu] [--batches 1,16,64,256] [--runs 20]
 *
 * Prints one JSON object per (device, batch) and a summary with the largest difference from the CPU.
 * A provider that cannot start is reported, not fatal (the server would fall back to the CPU).
 */
import { parseArgs } from 'node:util';
import { AsrModel } from '../src/inference/asrModel.ts';
import type { Device } from '../src/inference/providers.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: 'cpu,webgpu' },
    batches: { type: 'string', default: '1,16,64,256' },
    runs: { type: 'string', default: '20' },
  },
});
const batches = (values.batches as string).split(',').map(Number);
const runs = Number(values.runs);
const chunkFrames = 16;

// Deterministic log-mel-like input: the same for every provider.
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const maxBatch = Math.max(...batches);
const inputs = Array.from({ length: maxBatch }, () =>
  Float32Array.from({ length: chunkFrames * 80 }, () => -12 + rand() * 10),
);

const reference = new Map<number, Float32Array[]>();
const summary: Record<string, unknown>[] = [];
for (const device of (values.devices as string).split(',') as Device[]) {
  let model: AsrModel;
  try {
    model = await AsrModel.load({ device });
  } catch (error) {
    console.log(JSON.stringify({ device, error: (error as Error).message }));
    continue;
  }
  if (device !== 'cpu' && model.provider === 'cpu') {
    console.log(JSON.stringify({ device, fellBackToCpu: true, reason: model.providerReason }));
    await model.release();
    continue;
  }
  for (const b of batches) {
    const states = Array.from({ length: b }, () => model.createState());
    const chunks = inputs.slice(0, b);
    // Three chunks in a row so that the carried state matters, then time `runs` more.
    let outs = await model.run(chunks, states);
    outs = await model.run(chunks, states);
    outs = await model.run(chunks, states);
    let maxDiff: number | null = null;
    if (device === 'cpu')
      reference.set(
        b,
        outs.map((o) => o.logProbs),
      );
    else {
      const ref = reference.get(b);
      if (ref) {
        maxDiff = 0;
        outs.forEach((o, i) =>
          o.logProbs.forEach(
            (v, k) =>
              (maxDiff = Math.max(maxDiff as number, Math.abs(v - ((ref[i] as Float32Array)[k] as number)))),
          ),
        );
      }
    }
    const t0 = performance.now();
    for (let r = 0; r < runs; r++) await model.run(chunks, states);
    const perRunMs = (performance.now() - t0) / runs;
    const row = {
      device,
      provider: model.provider,
      batch: b,
      msPerRun: Math.round(perRunMs * 100) / 100,
      usPerStreamChunk: Math.round((perRunMs / b) * 1000),
      // A stream needs one chunk every 160 ms: how many streams this rate sustains on its own.
      streamsSustained: Math.floor((160 / perRunMs) * b),
      maxDiffFromCpu: maxDiff,
    };
    summary.push(row);
    console.log(JSON.stringify(row));
  }
  await model.release();
}
console.log(JSON.stringify({ summary: 'done', rows: summary.length }));
