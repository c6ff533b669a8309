/**
 * Chooses the intent accept threshold from per-file results of a development set (never the held-out one):
 *
 *   npx tsx scripts/evaluate.ts --eval work/dev --parts commands --accept-threshold 0 --details work/dev.jsonl
 *   npx tsx scripts/tune-threshold.ts work/dev.jsonl [--max-false-accept 0.05] [--write-fusion PATH]
 *
 * For each threshold it computes command acceptance (right parse and confidence ≥ threshold) on the command
 * sets and false acceptance (any parse with confidence ≥ threshold) on the out-of-context sets, then, among
 * thresholds whose mean false acceptance is within the limit, picks the one with the best acceptance minus false
 * acceptance (a missed command and a false accept cost the same; of equal acceptance, the one that lets
 * fewer strangers in wins). Prints JSON lines.
 * With --write-fusion models/fusion/fusion.json --confidence ratio|fusion (for details made with that fusion
 * model and that kind of confidence) the chosen threshold is stored in the model's sidecar under
 * `accept_thresholds`, which the server then uses: the fusion model's own confidence is on another scale than
 * the CTC ratio's (trained against five hard negatives per true text, it puts most commands in noise below 0.1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Detail {
  set: string;
  context: string;
  expected: unknown;
  understood: boolean;
  confidence: number;
  right: boolean;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'max-false-accept': { type: 'string', default: '0.05' },
    'write-fusion': { type: 'string' },
    confidence: { type: 'string', default: 'ratio' },
  },
});
const path = positionals[0];
if (!path) {
  process.stderr.write('usage: npx tsx scripts/tune-threshold.ts DETAILS.jsonl [--max-false-accept 0.05]\n');
  process.exit(2);
}
const rows = readFileSync(path, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Detail);
const groups = new Map<string, Detail[]>();
for (const r of rows) {
  const key = r.expected ? r.set : `${r.set}@${r.context}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
const maxFa = Number(values['max-false-accept']);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
let best: { threshold: number; acceptance: number; falseAccept: number } | null = null;
for (let t = 0; t <= 1.0001; t += 0.01) {
  const acc: number[] = [];
  const fa: number[] = [];
  const bySet: Record<string, number> = {};
  for (const [key, g] of groups) {
    const positive = !!g[0]?.expected;
    const share = g.filter((r) => (positive ? r.right : r.understood) && r.confidence >= t).length / g.length;
    (positive ? acc : fa).push(share);
    bySet[key] = Math.round(share * 1000) / 1000;
  }
  const line = { threshold: Math.round(t * 100) / 100, acceptance: mean(acc), falseAccept: mean(fa), bySet };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const gain = (l: { acceptance: number; falseAccept: number }) => l.acceptance - l.falseAccept;
  if (line.falseAccept <= maxFa && (!best || gain(line) > gain(best) + 1e-9)) best = line;
}
process.stdout.write(`${JSON.stringify({ chosen: best, maxFalseAccept: maxFa, files: rows.length })}\n`);
const fusionMeta = values['write-fusion'];
if (fusionMeta && best) {
  const meta = JSON.parse(readFileSync(fusionMeta, 'utf8'));
  const thresholds = { ...meta.accept_thresholds, [values.confidence as string]: best.threshold };
  writeFileSync(fusionMeta, `${JSON.stringify({ ...meta, accept_thresholds: thresholds }, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify({ wrote: fusionMeta, accept_thresholds: thresholds })}\n`);
}
