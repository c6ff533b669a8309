/**
 * Two `evaluate.ts --details` files compared file for file: a change measured before and after, or two
 * configurations on the same files. Per set × condition it counts what moved: commands right only after
 * (`gained`) or only before (`lost`), out-of-context files accepted only after (`fa_new`) or only before
 * (`fa_gone`), and files whose answer changed without either (`other`: other words, rejected either way).
 * The totals alone hide these: one file gained and one lost read as "the same".
 *
 * Usage: npx tsx scripts/realspeech/compare-details.ts BEFORE.jsonl AFTER.jsonl [--list 20] [--json-out FILE]
 *
 * stdout: a Markdown table, one row per set × condition (with both systems' lines in a file, per system too),
 * then up to `--list` changed files each for gained, lost, fa_new and fa_gone, with both answers.
 * `--json-out`: the rows and every changed file. Files in one side only are counted (`only_before`,
 * `only_after`), not compared. Exit 0; 1 when a file cannot be read, a line is not a details line or a file
 * appears twice for one system, set and condition; 2 on bad flags.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/** The fields of one `--details` line this script reads (scripts/realspeech/score.ts writes them). */
export interface DetailLine {
  readonly system: string;
  readonly set: string;
  readonly condition: string;
  readonly file: string;
  /** null: out of context. */
  readonly expected: unknown;
  readonly understood: boolean;
  readonly right: boolean;
  readonly transcript?: string;
  readonly confidence?: number;
  readonly intent?: string | null;
}

/** How one file's answer moved. */
export type Change = 'gained' | 'lost' | 'fa_new' | 'fa_gone' | 'other';

/** One changed file, both answers. */
export interface ChangedFile {
  readonly change: Change;
  readonly file: string;
  readonly before: DetailLine;
  readonly after: DetailLine;
}

/** One set × condition of one system. */
export interface CompareRow {
  readonly system: string;
  readonly set: string;
  readonly condition: string;
  /** Files in both. */
  readonly files: number;
  readonly in_context: number;
  readonly out_of_context: number;
  readonly right_before: number;
  readonly right_after: number;
  readonly false_accepts_before: number;
  readonly false_accepts_after: number;
  readonly gained: number;
  readonly lost: number;
  readonly fa_new: number;
  readonly fa_gone: number;
  readonly other: number;
  readonly only_before: number;
  readonly only_after: number;
  readonly changed: readonly ChangedFile[];
}

const groupKey = (l: DetailLine) => `${l.system}\u0000${l.set}\u0000${l.condition}`;

/** Whether an answer changed at all: acceptance, words or intent. */
function sameAnswer(a: DetailLine, b: DetailLine): boolean {
  return (
    a.understood === b.understood &&
    a.right === b.right &&
    (a.transcript ?? '') === (b.transcript ?? '') &&
    (a.intent ?? null) === (b.intent ?? null)
  );
}

function changeOf(before: DetailLine, after: DetailLine): Change | null {
  if (sameAnswer(before, after)) return null;
  if (before.expected === null) {
    if (after.understood && !before.understood) return 'fa_new';
    if (before.understood && !after.understood) return 'fa_gone';
    return 'other';
  }
  if (after.right && !before.right) return 'gained';
  if (before.right && !after.right) return 'lost';
  return 'other';
}

/** Compares two runs' details, per system × set × condition, in the order they first appear in `before`. */
export function compareDetails(before: readonly DetailLine[], after: readonly DetailLine[]): CompareRow[] {
  const index = (lines: readonly DetailLine[]) => {
    const groups = new Map<string, Map<string, DetailLine>>();
    for (const l of lines) {
      const g = groups.get(groupKey(l)) ?? new Map<string, DetailLine>();
      g.set(l.file, l);
      groups.set(groupKey(l), g);
    }
    return groups;
  };
  const a = index(before);
  const b = index(after);
  const keys = [...a.keys(), ...[...b.keys()].filter((k) => !a.has(k))];
  return keys.map((key) => {
    const [system = '', set = '', condition = ''] = key.split('\u0000');
    const ga = a.get(key) ?? new Map<string, DetailLine>();
    const gb = b.get(key) ?? new Map<string, DetailLine>();
    const counts = { gained: 0, lost: 0, fa_new: 0, fa_gone: 0, other: 0 };
    const changed: ChangedFile[] = [];
    let files = 0;
    let inContext = 0;
    let rightBefore = 0;
    let rightAfter = 0;
    let faBefore = 0;
    let faAfter = 0;
    for (const [file, x] of ga) {
      const y = gb.get(file);
      if (y === undefined) continue;
      files++;
      if (x.expected === null) {
        faBefore += x.understood ? 1 : 0;
        faAfter += y.understood ? 1 : 0;
      } else {
        inContext++;
        rightBefore += x.right ? 1 : 0;
        rightAfter += y.right ? 1 : 0;
      }
      const change = changeOf(x, y);
      if (change === null) continue;
      counts[change]++;
      changed.push({ change, file, before: x, after: y });
    }
    return {
      system,
      set,
      condition,
      files,
      in_context: inContext,
      out_of_context: files - inContext,
      right_before: rightBefore,
      right_after: rightAfter,
      false_accepts_before: faBefore,
      false_accepts_after: faAfter,
      ...counts,
      only_before: [...ga.keys()].filter((f) => !gb.has(f)).length,
      only_after: [...gb.keys()].filter((f) => !ga.has(f)).length,
      changed,
    };
  });
}

/** The Markdown report: the table, then up to `list` files of each change that moves a count. */
export function markdownReport(rows: readonly CompareRow[], list: number): string {
  const systems = new Set(rows.map((r) => r.system));
  const name = (r: CompareRow) => (systems.size > 1 ? `${r.system} ${r.set}` : r.set);
  const out = [
    '| set | condition | files (in / out) | right before → after | false accepts before → after | gained | lost | FA new | FA gone | other | only before / after |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${name(r)} | ${r.condition} | ${r.files} (${r.in_context} / ${r.out_of_context}) | ` +
        `${r.right_before} → ${r.right_after} | ${r.false_accepts_before} → ${r.false_accepts_after} | ` +
        `${r.gained} | ${r.lost} | ${r.fa_new} | ${r.fa_gone} | ${r.other} | ${r.only_before} / ${r.only_after} |`,
    ),
  ];
  const answer = (l: DetailLine) =>
    `${l.understood ? 'accepted' : 'rejected'} "${l.transcript ?? ''}"` +
    (l.confidence === undefined ? '' : ` (${l.confidence})`);
  for (const change of ['gained', 'lost', 'fa_new', 'fa_gone'] as const) {
    const files = rows.flatMap((r) => r.changed.filter((c) => c.change === change).map((c) => ({ r, c })));
    if (files.length === 0 || list === 0) continue;
    out.push('', `${change} (${files.length}):`);
    for (const { r, c } of files.slice(0, list)) {
      out.push(`- ${name(r)} ${r.condition} ${c.file}: ${answer(c.before)} → ${answer(c.after)}`);
    }
    if (files.length > list) out.push(`- … ${files.length - list} more`);
  }
  return `${out.join('\n')}\n`;
}

/** Reads a details file; throws with the file and line named where a line is not a details line. */
export async function readDetails(path: string): Promise<DetailLine[]> {
  const text = await readFile(path, 'utf8');
  const lines: DetailLine[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${path}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    const l = line as Partial<DetailLine> | null;
    if (
      typeof l !== 'object' ||
      l === null ||
      typeof l.system !== 'string' ||
      typeof l.set !== 'string' ||
      typeof l.condition !== 'string' ||
      typeof l.file !== 'string' ||
      !('expected' in l) ||
      typeof l.understood !== 'boolean' ||
      typeof l.right !== 'boolean'
    ) {
      throw new Error(
        `${path}:${i + 1}: not an evaluate.ts --details line (system, set, condition, file, expected, understood, right)`,
      );
    }
    // Two lines for one file (runs concatenated) would leave one of them out of the comparison unsaid.
    const key = `${groupKey(l as DetailLine)}\u0000${l.file}`;
    if (seen.has(key)) {
      throw new Error(`${path}:${i + 1}: ${l.file} (${l.system} ${l.set} ${l.condition}) appears twice`);
    }
    seen.add(key);
    lines.push(l as DetailLine);
  });
  return lines;
}

const USAGE =
  'usage: npx tsx scripts/realspeech/compare-details.ts BEFORE.jsonl AFTER.jsonl [--list 20] [--json-out FILE]';

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        list: { type: 'string', default: '20' },
        'json-out': { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const list = Number(values.list);
  if (positionals.length !== 2 || !(Number.isInteger(list) && list >= 0)) {
    process.stderr.write(
      `${positionals.length !== 2 ? `two details files, got ${positionals.length}` : `--list ${values.list}: a whole number ≥ 0`}\n${USAGE}\n`,
    );
    return 2;
  }
  let before: DetailLine[];
  let after: DetailLine[];
  try {
    [before, after] = (await Promise.all(positionals.map(readDetails))) as [DetailLine[], DetailLine[]];
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }
  const rows = compareDetails(before, after);
  if (values['json-out'] !== undefined) {
    await writeFile(
      values['json-out'],
      `${JSON.stringify({ before: positionals[0], after: positionals[1], rows }, null, 2)}\n`,
    );
  }
  process.stdout.write(markdownReport(rows, list));
  return 0;
}

// Run as a script, not when imported (the tests).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
