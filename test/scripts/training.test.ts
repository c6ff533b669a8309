import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ctcViterbiScore } from '../../src/asr/index.ts';

/**
 * Smoke test of the training scripts: each one runs a tiny step end to end (corpus of a few sentences,
 * one training step of a tiny encoder, its ONNX export, one step of the fusion model and its export).
 * Model quality is an evaluation (scripts/evaluate.ts), not a test. Needs Debian's PyTorch
 * (/usr/bin/python3 with torch and onnx), espeak-ng and ../shared; skips where any is missing.
 */
const PYTHON = '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HAVE_TRAINING =
  existsSync(PYTHON) &&
  spawnSync(PYTHON, ['-c', 'import torch, onnx, soundfile']).status === 0 &&
  spawnSync('espeak-ng', ['--version']).error === undefined &&
  existsSync(join(ROOT, '../shared/data/noise'));

const run = (script: string, args: string[]) =>
  promisify(execFile)(PYTHON, [join('scripts', script), ...args], {
    cwd: ROOT,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 16 << 20,
  });

const lastEvent = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string);

describe.skipIf(!HAVE_TRAINING)('training scripts', () => {
  it('build a corpus, train and export the ASR encoder, train and export the fusion model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vx-train-'));
    try {
      const corpus = join(dir, 'corpus');
      const built = lastEvent(
        (
          await run('build_corpus.py', [
            ...['--out', corpus, '--families', 'espeak', '--no-real', '--scale', '0.002'],
            ...['--workers', '1'],
          ])
        ).stdout,
      );
      expect(built).toMatchObject({ event: 'done', errors: 0, families: ['espeak'], real: false });
      expect(built.utterances).toBeGreaterThan(10);

      const asr = join(dir, 'asr');
      const trained = lastEvent(
        (
          await run('train_asr.py', [
            ...['--corpus', corpus, '--out', asr, '--steps', '1', '--valid', '4', '--threads', '1'],
            ...['--dim', '16', '--blocks', '1', '--kernel', '3', '--ff', '32', '--warmup', '1'],
          ])
        ).stdout,
      );
      expect(trained).toMatchObject({ event: 'done', step: 1 });

      await run('export_asr.py', [
        '--checkpoint',
        join(asr, 'checkpoint.pt'),
        '--out',
        join(dir, 'asr-model'),
      ]);
      const card = JSON.parse(await readFile(join(dir, 'asr-model', 'asr.json'), 'utf8'));
      expect(card).toMatchObject({ format: 'voxstream-asr-1', dim: 16, blocks: 1 });
      expect(existsSync(join(dir, 'asr-model', 'asr.onnx'))).toBe(true);

      const fusion = join(dir, 'fusion');
      const fused = lastEvent(
        (
          await run('train_fusion.py', [
            ...['--corpus', corpus, '--encoder', join(asr, 'checkpoint.pt'), '--out', fusion],
            ...['--utterances', '8', '--valid', '4', '--steps', '1', '--batch', '4', '--threads', '1'],
          ])
        ).stdout,
      );
      expect(fused).toMatchObject({ event: 'done', steps: 1 });
      const meta = JSON.parse(await readFile(join(fusion, 'fusion.json'), 'utf8'));
      expect(meta).toMatchObject({ format: 'voxstream-fusion-2', audio_dim: 16 });
      expect(existsSync(join(fusion, 'fusion.onnx'))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('score a candidate by CTC Viterbi as the server does (voxtrain/ctc.py against src/asr/ctcScore.ts)', async () => {
    const frames = 7;
    const tokens = 4;
    const lp = Float32Array.from({ length: frames * tokens }, (_, i) =>
      Math.log(((i * 37) % 11) / 12 + 0.04),
    );
    const sequences = [[1], [2, 3], [1, 1], [3, 2, 3], [2, 2, 1, 1]];
    const script = [
      'import json, sys, torch',
      "sys.path.insert(0, 'scripts')",
      'from voxtrain.ctc import viterbi_scores',
      `lp = torch.tensor(${JSON.stringify(Array.from(lp))}).reshape(${frames}, ${tokens})`,
      `print(json.dumps(viterbi_scores(lp, ${JSON.stringify(sequences)}).tolist()))`,
    ].join('\n');
    const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], { cwd: ROOT });
    const python = JSON.parse(stdout) as number[];
    sequences.forEach((seq, i) => {
      const ts = ctcViterbiScore(lp, frames, tokens, seq);
      // Python marks an impossible path with -1e30 where TypeScript has -Infinity
      if (ts === -Infinity) expect(python[i]).toBeLessThan(-1e29);
      else expect(python[i]).toBeCloseTo(ts, 4);
    });
  });
});
