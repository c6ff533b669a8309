/**
 * Chooses the CMU model's confidence statistic and accept threshold on TUNING sets only, never on a set that
 * is reported: e.g. `sc_tunehold` (a quarter of the Speech Commands tuning speakers, held out of the model's
 * adaptation; out of context: `_unknown_` words and `_silence_` clips) and `so_tunehold` (speechocean762 train
 * speakers held out the same way, reading train sentences, a fifth of them left out of the grammar;
 * `build_realsets.py --sets speechocean_train --tuning-holdout`). Add `fsdd_train` (FSDD's training speakers,
 * scripts/realspeech/fsdd_train_set.py) to see what a rule costs short, tightly trimmed 8 kHz digits: a rule
 * chosen on the other two alone cost FSDD's held-out digits 4 points (docs/real-speech/worst-phone/).
 *
 * Every file goes through the server's own per-session graph (`inferFile`) with nothing rejected, and for the
 * utterance it answers with, the recognizer's per-frame likelihood ratio against the phone loop over the
 * parse's words, the number of those frames, and how far the words stand above the sound around them
 * (`SenoneRecognizer.level`, dB) are kept. Then, for each floor and threshold on a grid, the statistic
 * `(ratio - floor) * sqrt(frames / refFrames)` (src/asr/ratioStatistic.ts, `RatioStatistic`) is
 * thresholded: the pair that keeps false acceptance at or under the target on every tuning set, both pooled
 * over its conditions and on its clean files alone, while accepting the most commands right wins; acceptance
 * is averaged over each set's conditions (so that 100 noisy copies weigh as much as 600 clean files), then
 * over the sets. The same search
 * with the noise allowance (`noiseBonus`, `noiseRefDb`: every pair of `--noise-bonuses` × `--noise-refs-db`)
 * is `chosen` when it accepts more overall, and no fewer on any set nor on any set's clean files, than the
 * statistic without it (`without_noise_allowance`). The per-frame threshold alone (the statistic used
 * before) is printed for comparison.
 *
 *   npx tsx scripts/realspeech/tune.ts [--root work/real] [--sets sc_tunehold,so_tunehold] [--limit 600]
 *       [--noisy-limit 100] [--conditions clean,6,18] [--target-fa 0.05] [--ref-frames 50]
 *       [--noise-bonuses 0,0.25,0.5,0.75,1,1.5] [--noise-refs-db 10,15,20,25,30]
 *       [--details FILE] [--from-details FILE] [--acoustic-model-dir DIR] [--denoise off|rnnoise|auto]
 *       [--cmn-prior FRAMES] [--final-gaussians K] [--competitors N] [--noisy-pass-choice on|off]
 *
 * `--denoise`: as the runtime's option (default: the runtime's, 'auto'); the runs before the noisy-utterance
 * pass used 'off'. `--cmn-prior`: as RuntimeOptions.cmnPriorFrames (default the runtime's). `--final-gaussians`: as
 * RuntimeOptions.finalGaussians (default the runtime's). `--competitors`: as RuntimeOptions.competitors
 * (default 0: none; an utterance whose best parse is a competitor is never accepted). `--noisy-pass-choice`: as
 * RuntimeOptions.noisyPassChoice (default the runtime's). `--details` writes
 * each file's evidence (JSON lines; with the n-best margin, which scripts/realspeech/margin_confidence.py
 * reads, the parse's phones aligned to the final pass's frames, which scripts/realspeech/phone_confidence.py
 * reads, and the live pass's parse before the final pass); `--from-details` chooses again from such a file
 * without decoding anything. stdout: one JSON object: the chosen settings and threshold, the best without the
 * noise allowance, the best with it, the best per-frame threshold alone, and acceptance / false acceptance of
 * each per set and condition. Progress on stderr. The defaults it printed are in src/asr/ratioStatistic.ts
 * (`defaultRatioStatistic`) and src/runtime/cmuBackend.ts; the noise allowance stays off
 * (docs/real-speech/phone-loop/README.md says why).
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SenoneRecognizer, noiseAllowance } from '../../src/asr/index.ts';
import { inferFile } from '../../src/cli/infer.ts';
import { Engine, type LoadedContext, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';
import { sameResult } from '../pocketsphinx/eval.ts';
import { detailsOrDecode } from './details.ts';
import { findSets } from './sets.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: 'work/real' },
    sets: { type: 'string', default: 'sc_tunehold,so_tunehold' },
    limit: { type: 'string', default: '600' },
    'noisy-limit': { type: 'string', default: '100' },
    conditions: { type: 'string', default: 'clean,6,18' },
    'target-fa': { type: 'string', default: '0.05' },
    'ref-frames': { type: 'string', default: '50' },
    details: { type: 'string' },
    'from-details': { type: 'string' },
    'acoustic-model-dir': { type: 'string' },
    denoise: { type: 'string' },
    'cmn-prior': { type: 'string' },
    'final-gaussians': { type: 'string' },
    competitors: { type: 'string' },
    'noisy-pass-choice': { type: 'string' },
    'noise-bonuses': { type: 'string', default: '0,0.25,0.5,0.75,1,1.5' },
    'noise-refs-db': { type: 'string', default: '10,15,20,25,30' },
  },
});

/** One file's evidence. */
interface Point {
  set: string;
  condition: string;
  file: string;
  inContext: boolean;
  /** The parse answered with (nothing rejected) is the expected one. */
  right: boolean;
  /** Per-frame ratio and frames of that parse's words; null: no parse. */
  ratio: number | null;
  frames: number;
  /** dB its words stand above the sound around them (SenoneRecognizer.level); null: unknown. */
  level: number | null;
  /**
   * Per-frame score of that parse over the utterance above the best other parse's (other words), where
   * there is one; null: none. Evidence for a richer confidence, not used by the grid below.
   */
  margin?: number | null;
  /** Frames of the utterance, silence included. */
  utteranceFrames?: number;
  /** Whether the noisy-utterance pass decoded it again from denoised audio. */
  denoised?: boolean;
  /**
   * The parse's phones aligned to the final pass's frames (SenoneRecognizer.phones), each [frames, per-frame
   * ratio against the phone loop, per-frame score]; null where no final pass ran.
   */
  phones?: [number, number, number][] | null;
  /**
   * The live pass's best complete parse just before the final pass (its words, its live statistic, and
   * whether the final parse has the same words); null: none complete.
   */
  live?: { words: string; ratio: number; same: boolean } | null;
}

const points = await detailsOrDecode<Point>(values['from-details'], decodeAll, values.details);

async function decodeAll(): Promise<Point[]> {
  const engine = await Engine.load(
    resolveRuntimeOptions({
      inferenceThreads: 'main',
      acousticModel: 'cmu',
      ...(values.denoise === undefined ? {} : { denoise: values.denoise as 'off' | 'rnnoise' | 'auto' }),
      ...(values['acoustic-model-dir'] ? { acousticModelDir: values['acoustic-model-dir'] } : {}),
      ...(values['cmn-prior'] === undefined ? {} : { cmnPriorFrames: Number(values['cmn-prior']) }),
      ...(values['final-gaussians'] === undefined
        ? {}
        : { finalGaussians: Number(values['final-gaussians']) }),
      ...(values.competitors === undefined ? {} : { competitors: Number(values.competitors) }),
      ...(values['noisy-pass-choice'] === undefined
        ? {}
        : { noisyPassChoice: values['noisy-pass-choice'] === 'on' }),
      endpointing: { understand: { acceptThreshold: 0 } },
    }),
    { log: createLogger('silent') },
  );
  const out: Point[] = [];
  try {
    const found = await findSets(
      resolve(values.root as string),
      (values.sets as string).split(','),
      (values.conditions as string).split(','),
      Number(values.limit),
      (folder) => process.stderr.write(`${JSON.stringify({ event: 'missing_set', folder })}\n`),
    );
    for (const set of found) {
      const limit = Number(set.condition === 'clean' ? values.limit : values['noisy-limit']);
      const rows = set.rows.slice(0, limit);
      const context = withEvidence(await engine.context(set.context));
      for (const [i, row] of rows.entries()) {
        context.evidence.length = 0;
        const r = await inferFile(engine, context, join(set.folder, row.file));
        // inferFile answers with the first utterance understood (with nothing rejected: the first parsed).
        const evidence = context.evidence.find((e) => e !== null) ?? null;
        out.push({
          set: set.set,
          condition: set.condition,
          file: row.file,
          inContext: row.intent !== null,
          right: r.understood && sameResult({ intent: r.intent ?? '', slots: { ...r.slots } }, row),
          ratio: r.understood ? (evidence?.ratio ?? null) : null,
          frames: evidence?.frames ?? 0,
          level: evidence?.level ?? null,
          margin: evidence?.margin ?? null,
          utteranceFrames: evidence?.utteranceFrames ?? 0,
          denoised: evidence?.denoised ?? false,
          phones: evidence?.phones ?? null,
          live: evidence?.live ?? null,
        });
        if ((i + 1) % 100 === 0 || i + 1 === rows.length)
          process.stderr.write(
            `${JSON.stringify({ event: 'progress', set: set.set, condition: set.condition, done: i + 1, of: rows.length })}\n`,
          );
      }
    }
  } finally {
    await engine.close();
  }
  return out;
}

function milli(x: number): number {
  return Math.round(x * 1000) / 1000;
}

interface Evidence {
  ratio: number;
  frames: number;
  level: number | null;
  margin: number | null;
  utteranceFrames: number;
  denoised: boolean;
  phones: [number, number, number][] | null;
  live: { words: string; ratio: number; same: boolean } | null;
}

/**
 * The context with its recognizers watched: each utterance's result appends the best parse's per-frame ratio
 * and frames (null without a parse) to `evidence`.
 */
function withEvidence(context: LoadedContext): LoadedContext & { evidence: (Evidence | null)[] } {
  const evidence: (Evidence | null)[] = [];
  const recognizer = () => {
    const r = context.decoding.recognizer();
    if (!(r instanceof SenoneRecognizer)) throw new TypeError('tune.ts tunes the CMU model only');
    r.phoneEvidence = true;
    const result = r.result.bind(r);
    // The live pass's best complete parse just before the final pass, to compare the final one with.
    const finish = r.finish.bind(r);
    let live: { words: string; ratio: number } | null = null;
    r.finish = async () => {
      const b = r.finals()[0];
      live = b ? { words: b.words.join(' '), ratio: b.ratio as number } : null;
      return finish();
    };
    r.result = () => {
      const out = result();
      const best = out.hypotheses[0];
      const ratio = best ? r.frameRatio(best) : null;
      const bestWords = best?.words.join(' ');
      const other = out.hypotheses.find((h) => best && h.words.join(' ') !== bestWords);
      evidence.push(
        best && ratio
          ? {
              ...ratio,
              level: r.level(best),
              margin: other && out.frames > 0 ? (best.score - other.score) / out.frames : null,
              utteranceFrames: out.frames,
              denoised: out.denoised === true,
              live: live && { ...live, same: live.words === bestWords },
              phones:
                r
                  .phones(best)
                  ?.map((p) => [p.frames, milli(p.ratio), milli(p.score)] as [number, number, number]) ??
                null,
            }
          : null,
      );
      return out;
    };
    return r;
  };
  return { ...context, decoding: { ...context.decoding, recognizer }, evidence };
}

const refFrames = Number(values['ref-frames']);
const target = Number(values['target-fa']);
const sets = [...new Set(points.map((p) => p.set))];
const round = (x: number) => Math.round(x * 1000) / 1000;
const grid = (from: number, to: number, step: number) =>
  Array.from(
    { length: Math.round((to - from) / step) + 1 },
    (_, i) => Math.round((from + i * step) * 100) / 100,
  );

/** The points of each set, and of each condition within it. */
const bySet = sets.map((set) => {
  const of = points.filter((p) => p.set === set);
  const conditions = [...new Set(of.map((p) => p.condition))];
  return {
    set,
    of,
    conditions: conditions.map((c) => ({ condition: c, of: of.filter((p) => p.condition === c) })),
  };
});

/**
 * Per set: commands accepted right (the mean over its conditions, so that 100 noisy copies weigh as much as
 * 600 clean files), and out-of-context files accepted (pooled), with this statistic and threshold.
 */
function rates(statistic: (p: Point) => number, threshold: number) {
  const pass = (p: Point) => p.ratio !== null && statistic(p) >= threshold;
  const share = (of: Point[], keep: (p: Point) => boolean) =>
    of.length === 0 ? 0 : of.filter(keep).length / of.length;
  const per: Record<
    string,
    {
      acceptance: number;
      false_accept: number;
      conditions: Record<string, { acceptance: number; false_accept: number }>;
    }
  > = {};
  for (const { set, of, conditions } of bySet) {
    const rows = conditions.map(({ condition, of: c }) => ({
      condition,
      acceptance: share(
        c.filter((p) => p.inContext),
        (p) => p.right && pass(p),
      ),
      false_accept: share(
        c.filter((p) => !p.inContext),
        pass,
      ),
    }));
    per[set] = {
      acceptance: round(rows.reduce((n, r) => n + r.acceptance, 0) / Math.max(1, rows.length)),
      false_accept: round(
        share(
          of.filter((p) => !p.inContext),
          pass,
        ),
      ),
      conditions: Object.fromEntries(
        rows.map((r) => [
          r.condition,
          { acceptance: round(r.acceptance), false_accept: round(r.false_accept) },
        ]),
      ),
    };
  }
  const all = Object.values(per);
  return {
    acceptance: round(all.reduce((n, v) => n + v.acceptance, 0) / all.length),
    worst_false_accept: Math.max(...all.map((v) => v.false_accept)),
    worst_clean_false_accept: Math.max(...all.map((v) => v.conditions.clean?.false_accept ?? 0)),
    per,
  };
}

/** The best threshold of a statistic over `thresholds`, or null if none meets the target. */
function best(statistic: (p: Point) => number, thresholds: number[]) {
  let chosen: ({ threshold: number } & ReturnType<typeof rates>) | null = null;
  for (const threshold of thresholds) {
    const r = rates(statistic, threshold);
    if (
      r.worst_false_accept <= target &&
      r.worst_clean_false_accept <= target &&
      (!chosen || r.acceptance > chosen.acceptance)
    )
      chosen = { threshold, ...r };
  }
  return chosen;
}

/** The statistic of src/asr/ratioStatistic.ts (`RatioStatistic`) with these settings. */
const statistic =
  (floor: number, noiseBonus: number, noiseRefDb: number) =>
  (p: Point): number =>
    ((p.ratio as number) - floor) * Math.sqrt(p.frames / refFrames) +
    noiseAllowance(p.level, { noiseBonus, noiseRefDb });

const perFrame = best((p) => p.ratio as number, grid(-3, 1, 0.05));
type Scaled = { floor: number; noise_bonus: number; noise_ref_db: number } & NonNullable<
  ReturnType<typeof best>
>;
let scaled: Scaled | null = null;
let withNoise: Scaled | null = null;
const bonuses = (values['noise-bonuses'] as string).split(',').map(Number);
const refs = (values['noise-refs-db'] as string).split(',').map(Number);
for (const floor of grid(-3, 0, 0.1)) {
  const b = best(statistic(floor, 0, 0), grid(-2, 4, 0.05));
  if (b && (!scaled || b.acceptance > scaled.acceptance))
    scaled = { floor, noise_bonus: 0, noise_ref_db: 0, ...b };
  for (const bonus of bonuses.filter((x) => x > 0))
    for (const ref of refs) {
      const n = best(statistic(floor, bonus, ref), grid(-2, 4, 0.05));
      if (n && (!withNoise || n.acceptance > withNoise.acceptance))
        withNoise = { floor, noise_bonus: bonus, noise_ref_db: ref, ...n };
    }
}
/** The noise allowance is chosen only where it accepts more overall and no fewer on any set or its clean files. */
const noiseWins =
  withNoise !== null &&
  (scaled === null ||
    (withNoise.acceptance > scaled.acceptance &&
      sets.every(
        (set) =>
          (withNoise?.per[set]?.acceptance ?? 0) >= (scaled?.per[set]?.acceptance ?? 0) &&
          (withNoise?.per[set]?.conditions.clean?.acceptance ?? 0) >=
            (scaled?.per[set]?.conditions.clean?.acceptance ?? 0),
      )));
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
    ref_frames: refFrames,
    chosen: noiseWins ? withNoise : scaled,
    without_noise_allowance: scaled,
    best_noise_allowance: withNoise,
    per_frame_threshold_alone: perFrame,
  })}\n`,
);
