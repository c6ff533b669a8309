/**
 * Chooses the CMU model's accept threshold on the TUNING sets only, never on a set that is reported:
 * `sc_tune` (the tuning half of the Speech Commands speakers; out of context: `_unknown_` words, `_silence_`
 * clips) and `so_tune` (speechocean762's train speakers reading train sentences, a fifth of them left out of the
 * grammar; `build_realsets.py --sets speechocean_train`). Every file goes through our recognizer with nothing
 * rejected; the chosen per-frame likelihood ratio (against the phone loop, over the words' frames) keeps false
 * acceptance at or under the target on every tuning set while accepting the most commands, averaged over sets,
 * clean and noisy copies pooled within each set.
 *
 *   npx tsx scripts/realspeech/tune.ts [--root work/real] [--sets sc_tune,so_tune] [--limit 600]
 *       [--noisy-limit 100] [--conditions clean,6,12,18,24] [--target-fa 0.05] [--details FILE]
 *       [--acoustic-model-dir DIR]
 *
 * `--acoustic-model-dir` tunes another CMU model folder (e.g. an adapted one, scripts/adapt_cmu_am.py). A model
 * adapted on the tuning speakers must be tuned on speakers it never saw: adapt it with --hold-out-tuning and tune
 * on `--sets sc_tunehold,so_tunehold` (`build_realsets.py --tuning-holdout`).
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
    sets: { type: 'string', default: 'sc_tune,so_tune' },
    limit: { type: 'string', default: '600' },
    'noisy-limit': { type: 'string', default: '100' },
    conditions: { type: 'string', default: 'clean,6,12,18,24' },
    'target-fa': { type: 'string', default: '0.05' },
    details: { type: 'string' },
    'acoustic-model-dir': { type: 'string' },
  },
});

// Confidence = sigmoid(ratio) and nothing rejected, so each file's ratio can be read back from its confidence.
const engine = await Engine.load(
  resolveRuntimeOptions({
    inferenceThreads: 'main',
    acousticModel: 'cmu',
    ...(values['acoustic-model-dir'] ? { acousticModelDir: values['acoustic-model-dir'] } : {}),
    endpointing: { understand: { acceptThreshold: 0, ratioMidpoint: 0, ratioScale: 1 } as object },
  }),
  { log: createLogger('silent') },
);
interface Point {
  set: string;
  condition: string;
  inContext: boolean;
  right: boolean;
  ratio: number;
}
const points: Point[] = [];
const lines: string[] = [];
const logit = (p: number) => Math.log(Math.max(p, 1e-4) / Math.max(1 - p, 1e-4));
const sets = (values.sets as string).split(',');
for (const set of sets)
  for (const condition of (values.conditions as string).split(',')) {
    const limit = Number(condition === 'clean' ? values.limit : values['noisy-limit']);
    await evaluateRealSets({
      root: values.root as string,
      sets: [set],
      conditions: [condition],
      limit,
      systems: ['ours'],
      engine,
      onDetail: (d) => {
        lines.push(JSON.stringify(d));
        points.push({
          set,
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

/** Acceptance and false acceptance of one set's points at a threshold. */
const rates = (of: Point[], threshold: number) => {
  const inContext = of.filter((p) => p.inContext);
  const outOfContext = of.filter((p) => !p.inContext);
  return {
    acceptance:
      inContext.filter((p) => p.right && p.ratio >= threshold).length / Math.max(1, inContext.length),
    false_accept: outOfContext.filter((p) => p.ratio >= threshold).length / Math.max(1, outOfContext.length),
  };
};
const round = (x: number) => Math.round(x * 1000) / 1000;
const candidates = Array.from({ length: 61 }, (_, i) => -5 + i * 0.1).map((threshold) => {
  const per = Object.fromEntries(
    sets.map((set) => {
      const r = rates(
        points.filter((p) => p.set === set),
        threshold,
      );
      return [set, { acceptance: round(r.acceptance), false_accept: round(r.false_accept) }];
    }),
  );
  const values = Object.values(per);
  return {
    ratio: Math.round(threshold * 100) / 100,
    acceptance: round(values.reduce((n, v) => n + v.acceptance, 0) / values.length),
    worst_false_accept: Math.max(...values.map((v) => v.false_accept)),
    per,
  };
});
const target = Number(values['target-fa']);
const chosen = candidates
  .filter((c) => c.worst_false_accept <= target)
  .sort((a, b) => b.acceptance - a.acceptance)[0];
process.stdout.write(
  `${JSON.stringify({
    sets: Object.fromEntries(
      sets.map((set) => {
        const of = points.filter((p) => p.set === set);
        const inContext = of.filter((p) => p.inContext);
        return [
          set,
          {
            files: of.length,
            in_context: inContext.length,
            right_without_rejection: round(
              inContext.filter((p) => p.right).length / Math.max(1, inContext.length),
            ),
          },
        ];
      }),
    ),
    target_false_accept: target,
    chosen,
    candidates,
  })}\n`,
);
