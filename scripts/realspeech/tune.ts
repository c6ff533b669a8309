/**
 * Chooses the CMU model's accept threshold on the TUNING half of the Speech Commands speakers (never the
 * report half, never the other sets): every file through our recognizer with nothing rejected, then the
 * per-frame likelihood ratio (against the phone loop, over the words' frames) that keeps false acceptance of
 * out-of-context speech (`_unknown_` words, `_silence_` clips) at or under the target while accepting the most
 * commands, over clean and noisy copies pooled.
 *
 *   npx tsx scripts/realspeech/tune.ts [--root work/real] [--limit 600] [--noisy-limit 100]
 *       [--conditions clean,6,12,18,24] [--target-fa 0.05] [--details FILE]
 *
 * stdout: one JSON object: the chosen ratio, and acceptance and false acceptance at each candidate. Progress on
 * stderr. The defaults it printed are in src/runtime/cmuBackend.ts (`cmuUnderstandDefaults`).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Engine, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';
import { evaluateRealSets } from './evaluate.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: 'work/real' },
    limit: { type: 'string', default: '600' },
    'noisy-limit': { type: 'string', default: '100' },
    conditions: { type: 'string', default: 'clean,6,12,18,24' },
    'target-fa': { type: 'string', default: '0.05' },
    details: { type: 'string' },
  },
});

// Confidence = sigmoid(ratio) and nothing rejected, so each file's ratio can be read back from its confidence.
const engine = await Engine.load(
  resolveRuntimeOptions({
    inferenceThreads: 'main',
    acousticModel: 'cmu',
    endpointing: { understand: { acceptThreshold: 0, ratioMidpoint: 0, ratioScale: 1 } as object },
  }),
  { log: createLogger('silent') },
);
interface Point {
  condition: string;
  inContext: boolean;
  right: boolean;
  ratio: number;
}
const points: Point[] = [];
const lines: string[] = [];
const logit = (p: number) => Math.log(Math.max(p, 1e-4) / Math.max(1 - p, 1e-4));
for (const condition of (values.conditions as string).split(',')) {
  const limit = Number(condition === 'clean' ? values.limit : values['noisy-limit']);
  await evaluateRealSets({
    root: values.root as string,
    sets: ['sc_tune'],
    conditions: [condition],
    limit,
    systems: ['ours'],
    engine,
    onDetail: (d) => {
      lines.push(JSON.stringify(d));
      points.push({
        condition,
        inContext: d['expected'] !== null,
        // Without an answer there is no parse: the ratio is as low as it gets.
        right: d['right'] === true,
        ratio: d['understood'] === true ? logit(d['confidence'] as number) : -Infinity,
      });
    },
  });
}
await engine.close();
if (values.details) await writeFile(values.details, `${lines.join('\n')}\n`);

const inContext = points.filter((p) => p.inContext);
const outOfContext = points.filter((p) => !p.inContext);
const at = (threshold: number) => ({
  ratio: Math.round(threshold * 100) / 100,
  acceptance: inContext.filter((p) => p.right && p.ratio >= threshold).length / inContext.length,
  false_accept: outOfContext.filter((p) => p.ratio >= threshold).length / Math.max(1, outOfContext.length),
});
const candidates = Array.from({ length: 61 }, (_, i) => -4 + i * 0.1).map(at);
const target = Number(values['target-fa']);
const chosen = candidates.filter((c) => c.false_accept <= target).sort((a, b) => b.acceptance - a.acceptance)[0];
process.stdout.write(
  `${JSON.stringify({
    set: 'sc_tune',
    files: points.length,
    in_context: inContext.length,
    out_of_context: outOfContext.length,
    right_without_rejection: inContext.filter((p) => p.right).length / inContext.length,
    target_false_accept: target,
    chosen,
    candidates,
  })}\n`,
);
