/**
 * The model card's real-speech table from the JSON that `scripts/realspeech/evaluate.ts --json-out` wrote:
 * ours from the `--ours` files, pocketsphinx from the `--pocketsphinx` files (rows matched by set and
 * condition), one Markdown row per set and condition, in the order of the `--ours` files.
 *
 *   npx tsx scripts/realspeech/table.ts --ours a.json,b.json --pocketsphinx c.json,d.json > table.md
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Score {
  readonly acceptance: number;
  readonly false_accept: number | null;
  readonly rtf: number | null;
}
interface Row {
  readonly set: string;
  readonly condition: string;
  readonly files: number;
  readonly in_context: number;
  readonly out_of_context: number;
  readonly ours?: Score;
  readonly pocketsphinx?: Score;
}

const { values } = parseArgs({
  options: { ours: { type: 'string' }, pocketsphinx: { type: 'string', default: '' } },
});
if (!values.ours) {
  process.stderr.write('usage: realspeech/table --ours a.json,... [--pocketsphinx b.json,...]\n');
  process.exit(2);
}
const rows = (list: string) =>
  list
    .split(',')
    .filter((f) => f !== '')
    .flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as { rows: Row[] }).rows);
const key = (r: Row) => `${r.set}/${r.condition}`;
const theirs = new Map(rows(values.pocketsphinx).map((r) => [key(r), r.pocketsphinx]));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : (100 * x).toFixed(1));
const rtf = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

const lines = [
  '| set | condition | files (in / out) | ours: accepted right | ours: false accept | pocketsphinx: right | pocketsphinx: false accept | RTF ours / pocketsphinx |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const r of rows(values.ours)) {
  const p = theirs.get(key(r));
  const files = `${r.files} (${r.in_context} / ${r.out_of_context})`;
  const fa = (s: Score | undefined) => (r.out_of_context === 0 ? '–' : pct(s?.false_accept));
  lines.push(
    `| ${r.set} | ${r.condition} | ${files} | ${pct(r.ours?.acceptance)} | ${fa(r.ours)} | ${pct(p?.acceptance)} | ${fa(p)} | ${rtf(r.ours?.rtf)} / ${rtf(p?.rtf)} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
