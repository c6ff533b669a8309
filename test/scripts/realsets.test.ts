import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import type { RealEvalRow } from '../../scripts/realspeech/evaluate.ts';

/**
 * The real-speech evaluation end to end on a tiny build: scripts/build_realsets.py makes a few files of
 * Speech Commands (both speaker halves) and FSDD, clean and at 12 dB, and scripts/realspeech/evaluate.ts
 * scores our recognizer on them. Accuracy is the evaluation's business, not the test's: this checks the
 * sets, the split and the report's shape. Needs ../shared/data, Debian's python (numpy, scipy, yaml) and
 * opusdec; skips where any is missing.
 */
const PYTHON = '/usr/bin/python3';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHARED = join(ROOT, '../shared/data');
const HAVE_DATA =
  existsSync(PYTHON) &&
  existsSync(join(SHARED, 'speech_commands/labels.tsv')) &&
  existsSync(join(SHARED, 'fsdd/recordings')) &&
  existsSync(join(SHARED, 'noise')) &&
  spawnSync(PYTHON, ['-c', 'import numpy, scipy, yaml']).status === 0 &&
  spawnSync('opusdec', ['--version']).error === undefined;

const readJsonl = async (path: string) =>
  (await readFile(path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.skipIf(!HAVE_DATA)('real-speech sets and their evaluation', () => {
  it('builds speaker-split sets with noise and scores our recognizer on them', async () => {
    const out = await mkdtemp(join(tmpdir(), 'vx-realsets-'));
    try {
      await promisify(execFile)(
        PYTHON,
        [
          'scripts/build_realsets.py',
          ...['--out', out, '--sets', 'speech_commands,fsdd', '--snrs', '12'],
          ...['--clean-limit', '2', '--per-condition', '1'],
        ],
        { cwd: ROOT, env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } },
      );
      const readme = JSON.parse(await readFile(join(out, 'README.json'), 'utf8'));
      expect(readme.sources.speech_commands.speaker_overlap).toBe(0);
      const { sc_tune: tune, sc_report: report } = readme.sources.speech_commands.speakers;
      expect(Math.abs(tune - report)).toBeLessThanOrEqual(1);
      const noisy = await readJsonl(join(out, 'sc_report_snr12', 'manifest.jsonl'));
      const clean = await readJsonl(join(out, 'sc_report_clean', 'manifest.jsonl'));
      expect(noisy.map((r) => r['file'])).toEqual(clean.slice(0, 1).map((r) => r['file']));
      expect(noisy.every((r) => r['snr_db'] === 12 && typeof r['noise'] === 'string')).toBe(true);

      const { main } = await import('../../scripts/realspeech/evaluate.ts');
      const json = join(out, 'results.json');
      // The table goes to stdout and progress to stderr: keep the test's output clean.
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      let code;
      try {
        code = await main([
          ...['--root', out, '--sets', 'sc_report,fsdd', '--conditions', 'clean,12'],
          ...['--systems', 'ours', '--json-out', json],
        ]);
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
      expect(code).toBe(0);
      const { rows } = JSON.parse(await readFile(json, 'utf8')) as { rows: RealEvalRow[] };
      expect(rows.map((r) => `${r.set}_${r.condition}:${r.files}`)).toEqual([
        'sc_report_clean:2',
        'sc_report_snr12:1',
        'fsdd_clean:2',
        'fsdd_snr12:1',
      ]);
      for (const row of rows) {
        expect(row.pocketsphinx).toBeUndefined();
        expect(row.ours?.errors).toBe(0);
        expect(row.ours?.accepted).toBeLessThanOrEqual(row.in_context);
        expect(row.ours?.rtf).toBeGreaterThan(0);
      }
      // FSDD has only in-context files: no false-acceptance rate to report.
      expect(rows[2]?.ours?.false_accept).toBeNull();

      // One session per speaker, the pass started ahead: the same files, each scored.
      const quiet = [
        vi.spyOn(process.stdout, 'write').mockImplementation(() => true),
        vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
      ];
      try {
        code = await main([
          ...['--root', out, '--sets', 'sc_report,fsdd', '--conditions', 'clean'],
          ...['--systems', 'ours', '--session', 'speaker', '--ahead-silence', '96', '--json-out', json],
        ]);
      } finally {
        for (const spy of quiet) spy.mockRestore();
      }
      expect(code).toBe(0);
      const bySpeaker = JSON.parse(await readFile(json, 'utf8')) as {
        session: string;
        aheadSilenceMs: number;
        rows: RealEvalRow[];
      };
      expect(bySpeaker.session).toBe('speaker');
      expect(bySpeaker.aheadSilenceMs).toBe(96);
      expect(bySpeaker.rows.map((r) => `${r.set}:${r.files}:${r.ours?.errors}`)).toEqual([
        'sc_report:2:0',
        'fsdd:2:0',
      ]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('real-speech evaluation flags', () => {
  it('refuses a bad --session or --ahead-silence with its usage, exit 2', async () => {
    const { main } = await import('../../scripts/realspeech/evaluate.ts');
    let err = '';
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    });
    try {
      expect(await main(['--systems', 'ours', '--session', 'room'])).toBe(2);
      expect(err).toMatch(/--session file or speaker/);
      err = '';
      expect(await main(['--systems', 'ours', '--ahead-silence', 'soon'])).toBe(2);
      expect(err).toMatch(/--ahead-silence: expected a positive number of ms, got soon/);
    } finally {
      stderr.mockRestore();
    }
  });
});
