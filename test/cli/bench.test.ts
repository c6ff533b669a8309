import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { benchCommand } from '../../src/cli/bench.ts';

describe('voxstream bench', () => {
  it('starts a server, warms it up, runs a small level, and writes JSON with latency, memory and an SVG chart beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-bench-'));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const code = await benchCommand([
        '--sessions',
        '2',
        '--duration',
        '6',
        '--warmup',
        '3',
        '--out',
        join(dir, 'run-1.json'),
      ]);
      expect(code).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'run-1.json'), 'utf8'));
      const [level] = report.levels;
      expect(level).toMatchObject({ sessions: 2, connected: 2, errors: 0, lost: 0, missed: 0 });
      expect(level.utterances).toBeGreaterThan(0);
      expect(level.speechEndToIntentMs.p50).toBeGreaterThan(0);
      expect(report.memory).toMatchObject({ idle: { sessions: 2 } });
      // The warm-up is reported on its own and is not a level.
      expect(report.warmup).toMatchObject({ sessions: 2, seconds: 3, connected: 2 });
      expect(report.levels).toHaveLength(1);
      expect(report.memory.baselineMiB).toBeGreaterThan(0);
      // Without --svg the chart goes beside --out, named after it.
      expect(readFileSync(join(dir, 'run-1.svg'), 'utf8')).toMatch(/^<svg/);
    } finally {
      out.mockRestore();
      err.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a bad --sessions list or --warmup with its usage', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await benchCommand(['--sessions', '10,x'])).toBe(2);
      expect(await benchCommand(['--warmup', 'soon'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it('says why the server it starts refused a flag, without a stack trace', async () => {
    let text = '';
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((text += String(t)), true));
    try {
      expect(await benchCommand(['--sessions', '1', '--duration', '1', '--noisy-pass-choice', 'maybe'])).toBe(
        1,
      );
    } finally {
      err.mockRestore();
    }
    expect(text).toContain('voxstream bench: server exited (1) before listening');
    expect(text).toContain('--noisy-pass-choice must be on or off, got maybe');
    expect(text).not.toContain('    at ');
  }, 60_000);
});
