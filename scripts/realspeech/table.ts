/**
 * The model card's real-speech tables from the JSON that `scripts/realspeech/evaluate.ts --json-out` wrote,
 * one Markdown row per set and condition.
 *
 *   npx tsx scripts/realspeech/table.ts --ours a.json,b.json --pocketsphinx c.json,d.json > table.md
 *   npx tsx scripts/realspeech/table.ts --config default=a.json,b.json --config rnnoise=e.json,f.json \
 *       --pocketsphinx c.json,d.json > configurations.md
 *
 * `--ours`: ours from those files with pocketsphinx beside them (rows matched by set and condition), in the
 * order of the `--ours` files, with both real-time factors. `--config NAME=FILES` (repeatable): one column of
 * ours per configuration (accepted right / false accept), then pocketsphinx; rows in the order of the first
 * configuration's files, then any rows only the others have; a configuration without a row shows –.
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
  options: {
    ours: { type: 'string' },
    config: { type: 'string', multiple: true, default: [] },
    pocketsphinx: { type: 'string', default: '' },
  },
});
const configs = values.config.map((c) => {
  const at = c.indexOf('=');
  return at > 0 ? { name: c.slice(0, at), files: c.slice(at + 1) } : null;
});
if ((!values.ours && configs.length === 0) || configs.some((c) => c === null)) {
  process.stderr.write(
    'usage: realspeech/table --ours a.json,... [--pocketsphinx b.json,...]\n' +
      '       realspeech/table --config NAME=a.json,... [--config NAME=...] [--pocketsphinx b.json,...]\n',
  );
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
const filesOf = (r: Row) => `${r.files} (${r.in_context} / ${r.out_of_context})`;
const fa = (r: Row, s: Score | undefined) => (r.out_of_context === 0 ? '–' : pct(s?.false_accept));

const lines: string[] = [];
if (values.ours) {
  lines.push(
    '| set | condition | files (in / out) | ours: accepted right | ours: false accept | pocketsphinx: right | pocketsphinx: false accept | RTF ours / pocketsphinx |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rows(values.ours)) {
    const p = theirs.get(key(r));
    lines.push(
      `| ${r.set} | ${r.condition} | ${filesOf(r)} | ${pct(r.ours?.acceptance)} | ${fa(r, r.ours)} | ${pct(p?.acceptance)} | ${fa(r, p)} | ${rtf(r.ours?.rtf)} / ${rtf(p?.rtf)} |`,
    );
  }
} else {
  const byConfig = configs.map((c) => new Map(rows((c as { files: string }).files).map((r) => [key(r), r])));
  const order = new Map<string, Row>();
  for (const m of byConfig) for (const [k, r] of m) if (!order.has(k)) order.set(k, r);
  const names = configs.map((c) => (c as { name: string }).name);
  lines.push(
    `| set | condition | files (in / out) | ${names.map((n) => `${n}: right / false accept`).join(' | ')} | pocketsphinx: right / false accept |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} | --- |`,
  );
  for (const [k, r] of order) {
    const cells = byConfig.map((m) => {
      const mine = m.get(k);
      return mine?.files === r.files ? `${pct(mine.ours?.acceptance)} / ${fa(r, mine.ours)}` : '–';
    });
    const p = theirs.get(k);
    lines.push(
      `| ${r.set} | ${r.condition} | ${filesOf(r)} | ${cells.join(' | ')} | ${p ? `${pct(p.acceptance)} / ${fa(r, p)}` : '–'} |`,
    );
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
