import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type DetailLine,
  compareDetails,
  main,
  markdownReport,
} from '../../scripts/realspeech/compare-details.ts';

const line = (file: string, over: Partial<DetailLine> = {}): DetailLine => ({
  system: 'ours',
  set: 'sc_report',
  condition: 'clean',
  file,
  expected: { intent: 'yes', slots: {} },
  understood: true,
  right: true,
  transcript: 'yes',
  confidence: 0.9,
  ...over,
});
const outside = (file: string, understood: boolean, transcript = 'on'): DetailLine =>
  line(file, { expected: null, understood, right: false, transcript });

describe('compareDetails (scripts/realspeech/compare-details.ts)', () => {
  it('counts what moved file for file where the totals stay the same', () => {
    const before = [
      line('a'),
      line('b', { understood: false, right: false, confidence: 0.3 }),
      line('c'),
      outside('d', false),
      outside('e', true),
      line('f', { understood: false, right: false, transcript: 'no' }),
      line('g'),
    ];
    const after = [
      line('a'),
      line('b'),
      line('c', { understood: false, right: false, confidence: 0.2 }),
      outside('d', true),
      outside('e', false),
      line('f', { understood: false, right: false, transcript: 'go' }),
      line('h'),
    ];
    const [row] = compareDetails(before, after);
    expect(row).toMatchObject({
      system: 'ours',
      set: 'sc_report',
      condition: 'clean',
      files: 6,
      in_context: 4,
      out_of_context: 2,
      right_before: 2,
      right_after: 2,
      false_accepts_before: 1,
      false_accepts_after: 1,
      gained: 1,
      lost: 1,
      fa_new: 1,
      fa_gone: 1,
      other: 1,
      only_before: 1,
      only_after: 1,
    });
    expect(row?.changed.map((c) => [c.file, c.change])).toEqual([
      ['b', 'gained'],
      ['c', 'lost'],
      ['d', 'fa_new'],
      ['e', 'fa_gone'],
      ['f', 'other'],
    ]);
  });

  it('keeps sets, conditions and systems apart, and a confidence alone is no change', () => {
    const before = [line('a'), line('a', { condition: 'snr6' }), line('a', { system: 'pocketsphinx' })];
    const after = [
      line('a', { confidence: 0.5 }),
      line('a', { condition: 'snr6', understood: false, right: false }),
      line('a', { system: 'pocketsphinx' }),
    ];
    const rows = compareDetails(before, after);
    expect(rows.map((r) => [r.system, r.condition, r.lost])).toEqual([
      ['ours', 'clean', 0],
      ['ours', 'snr6', 1],
      ['pocketsphinx', 'clean', 0],
    ]);
    const report = markdownReport(rows, 5);
    expect(report).toContain('| ours sc_report | snr6 | 1 (1 / 0) | 1 → 0 |');
    expect(report).toContain(
      'lost (1):\n- ours sc_report snr6 a: accepted "yes" (0.9) → rejected "yes" (0.9)',
    );
  });
});

describe('compare-details CLI', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vox-compare-'));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });
  const jsonl = (lines: readonly DetailLine[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

  it('prints the table and writes the JSON', async () => {
    await writeFile(join(dir, 'a.jsonl'), jsonl([line('x'), outside('y', false)]));
    await writeFile(join(dir, 'b.jsonl'), jsonl([line('x'), outside('y', true, 'go')]));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await main([join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), '--json-out', join(dir, 'c.json')]);
    expect(code).toBe(0);
    expect(stdout.mock.calls.map((c) => String(c[0])).join('')).toContain(
      'fa_new (1):\n- sc_report clean y:',
    );
    const json = JSON.parse(await readFile(join(dir, 'c.json'), 'utf8')) as { rows: { fa_new: number }[] };
    expect(json.rows[0]?.fa_new).toBe(1);
  });

  it('exits 2 on bad flags, and 1 on a file that is not details or names a file twice, naming the line', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main([join(dir, 'a.jsonl')])).toBe(2);
    expect(await main(['a', 'b', '--list', '-1'])).toBe(2);
    expect(await main(['a', 'b', '--nope'])).toBe(2);
    await writeFile(join(dir, 'bad.jsonl'), `${JSON.stringify(line('x'))}\n{"file": "y"}\n`);
    expect(await main([join(dir, 'bad.jsonl'), join(dir, 'bad.jsonl')])).toBe(1);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(
      'bad.jsonl:2: not an evaluate.ts --details line',
    );
    expect(await main([join(dir, 'missing.jsonl'), join(dir, 'bad.jsonl')])).toBe(1);
    await writeFile(join(dir, 'twice.jsonl'), jsonl([line('x'), line('y'), line('x', { right: false })]));
    expect(await main([join(dir, 'twice.jsonl'), join(dir, 'twice.jsonl')])).toBe(1);
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain(
      'twice.jsonl:3: x (ours sc_report clean) appears twice',
    );
  });
});
