/**
 * The real-speech evaluation (issue 11, item 5): our recognizer and pocketsphinx side by side on the same
 * files of every real-speech set that scripts/build_realsets.py built.
 *
 *   npx tsx scripts/realspeech/evaluate.ts [--root work/real] [--sets sc_report,speechocean,fsdd]
 *       [--conditions clean,6,9,12,15,18,21,24] [--limit N] [--systems ours,pocketsphinx]
 *       [--concurrency 1] [--session file|speaker] [--frame-downsample 1] [--final-gaussians K]
 *       [--pocketsphinx-args="-topn 16"] [--json-out FILE] [--details FILE]
 *   npx tsx scripts/evaluate.ts --parts real [--limit N]     (the same, from the main evaluation)
 *
 * Per set×condition, over its first N files (the builder writes them in a seeded random order):
 * `acceptance` = in-context files whose intent and every slot came out right (ours: `understood` and the
 * same intent and slots; pocketsphinx: the hypothesis parses to them); `false_accept` = out-of-context files
 * (intent null: unknown words, silence, sentences left out of the grammar) that came out as any command.
 * Real-time factors from the same run: ours = the sum of `inferFile`'s wall times (file decoding and the
 * 0.9 s of silence it pads each file with included) over the files' durations, one file at a time by default;
 * pocketsphinx = its own per-utterance decoding wall time over the same durations (model loading apart, in
 * `load_seconds`). Both share this machine's CPUs with whatever else runs.
 *
 * `--session speaker`: our files go through one session per speaker (at most 20 commands a session, in the
 * set's order), as a device kept open by one person sends them: the live cepstral mean carries over between
 * them. Default `file`: a fresh session per file, as `voxstream infer` runs them. pocketsphinx decodes each
 * file alone either way.
 *
 * `--ahead-silence MS`: the final pass starts after this much silence following a complete command, before
 * the endpoint, and is carried on over the rest (RecognizeOptions.aheadSilenceMs; default the runtime's).
 * `--low-confidence-silence MS`: the trailing silence after which a complete command below the early endpoint's
 * statistic ends the utterance (RecognizeOptions.lowConfidenceSilenceMs; default the runtime's).
 * `--end-silence MS`: the trailing silence after which the segmenter ends an utterance that no early endpoint
 * ended (SegmentOptions.endSilenceMs; default the runtime's, 700).
 *
 * `--frame-downsample N`: our CMU model scores 1 frame in N (RuntimeOptions.acousticFrameDownsample, default
 * 1). `--denoise off|rnnoise|auto`: noise suppression (RuntimeOptions.denoise; default: the runtime's, 'auto'). `--remove-noise on|off`: Sphinx's noise removal in our front end (RuntimeOptions.removeNoise; default:
 * the runtime's). `--beams BEAM,EXIT`: the grammar search's beams (RuntimeOptions.searchBeams; default the
 * decoder's, 150,120). `--first-pass-stands X|off`: the statistic from which a clean utterance's first pass
 * stands without the second pass, or off for always the second pass (RuntimeOptions.firstPassStands; default the
 * runtime's). `--cmn-prior FRAMES`: the frames of speech the model's initial cepstral mean counts as in batch CMN
 * at an utterance's end, 0 for the utterance's own mean alone (RuntimeOptions.cmnPriorFrames; default the
 * runtime's). `--pocketsphinx-args="-flag value …"` (with the `=`: the value starts with a dash): more
 * arguments for pocketsphinx_batch, overriding ours (e.g. `-topn 16`). `--final-gaussians K`: Gaussians per
 * codebook of our final pass (RuntimeOptions.finalGaussians; default the runtime's, 4, pocketsphinx's;
 * docs/real-speech/final-gaussians/). `--competitors N`: the first N common words of
 * models/lexicon/competitors.txt beside each context's commands (RuntimeOptions.competitors; default 0, none;
 * docs/real-speech/oov-competitors/). `--fusion PATH|none`: the fusion model on the CMU path that rescores each
 * utterance's parses (RuntimeOptions.fusionModelPath, a `voxstream-fusion-cmu-1` model; default the
 * runtime's). `--noisy-pass-choice on|off`: an utterance the noisy-utterance pass denoises is decoded with batch CMN
 * too and answered from the surer pass (RuntimeOptions.noisyPassChoice; default the runtime's). The JSON rows
 * of ours also carry `cpu_rtf`: the process's CPU time over the audio, less
 * load-bound.
 *
 * stdout: a Markdown table, one row per set×condition. --json-out: the rows as JSON. --details: one JSON line
 * per file and system (two runs' compared file for file by scripts/realspeech/compare-details.ts). Progress on
 * stderr. Exit 0; 1 when the sets are missing; 2 on bad flags.
 */
import { writeFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { beamsFlag, onOff } from '../../src/cli/args.ts';
import type { Engine, RuntimeOptions } from '../../src/runtime/index.ts';
import { loadEngine } from './ours.ts';
import { type SystemScore, scoreOurs, scorePocketsphinx } from './score.ts';
import { conditionName, defaultConditions, findSets } from './sets.ts';

export type { SystemScore } from './score.ts';

/** The systems compared. */
export type System = 'ours' | 'pocketsphinx';

/** Options of {@link evaluateRealSets}. */
export interface RealEvalOptions {
  /** Where scripts/build_realsets.py wrote the sets. Default `work/real`. */
  readonly root?: string;
  /** Set names. Default `sc_report`, `speechocean`, `fsdd` (never `sc_tune`: that half is for tuning). */
  readonly sets?: readonly string[];
  /** `clean` and SNRs (`6` or `snr6`). Default all that the builder makes. */
  readonly conditions?: readonly string[];
  /** Files per set×condition (the first of each manifest). Default all. */
  readonly limit?: number;
  /** Default both. */
  readonly systems?: readonly System[];
  /** Our recognizer's models; required when `systems` has `ours`. */
  readonly engine?: Engine;
  /** Our sessions in flight at once. Default 1 (a single stream's real-time factor). */
  readonly concurrency?: number;
  /** Our sessions: one per file (default) or one per speaker (`ScoreOptions.session`). */
  readonly session?: 'file' | 'speaker';
  /** More `-flag value` pairs for pocketsphinx_batch (`ScoreOptions.pocketsphinxArgs`). */
  readonly pocketsphinxArgs?: readonly string[];
  /** Receives one line per file and system (JSON). */
  readonly onDetail?: (line: Record<string, unknown>) => void;
  /** Progress and notes (JSON lines). Default stderr. */
  readonly log?: (event: Record<string, unknown>) => void;
}

/** Default {@link RealEvalOptions} (those that have one). */
export const defaultRealEvalOptions = {
  root: 'work/real',
  sets: ['sc_report', 'speechocean', 'fsdd'],
  conditions: defaultConditions,
  limit: Infinity,
  systems: ['ours', 'pocketsphinx'] as readonly System[],
  concurrency: 1,
};

/** One row of the results. */
export interface RealEvalRow {
  readonly set: string;
  readonly condition: string;
  readonly context: string;
  readonly files: number;
  readonly in_context: number;
  readonly out_of_context: number;
  readonly ours?: SystemScore;
  readonly pocketsphinx?: SystemScore;
}

/**
 * Scores the systems on every set×condition asked for that exists, one row each.
 *
 * @throws TypeError when `ours` is asked for without an engine; Error when README.json is missing.
 */
export async function evaluateRealSets(options: RealEvalOptions = {}): Promise<RealEvalRow[]> {
  const o = { ...defaultRealEvalOptions, ...options };
  const log = options.log ?? ((e) => process.stderr.write(`${JSON.stringify(e)}\n`));
  if (o.systems.includes('ours') && options.engine === undefined) {
    throw new TypeError("engine: required when systems include 'ours'");
  }
  const sets = await findSets(resolve(o.root), o.sets, o.conditions, o.limit, (folder) =>
    log({ event: 'missing_set', folder }),
  );
  const rows: RealEvalRow[] = [];
  for (const set of sets) {
    const inContext = set.rows.filter((r) => r.intent !== null).length;
    const row: RealEvalRow = {
      set: set.set,
      condition: set.condition,
      context: set.context,
      files: set.rows.length,
      in_context: inContext,
      out_of_context: set.rows.length - inContext,
      ...(o.systems.includes('ours')
        ? { ours: await scoreOurs(set, options.engine as Engine, { ...options, log }) }
        : {}),
      ...(o.systems.includes('pocketsphinx')
        ? { pocketsphinx: await scorePocketsphinx(set, { ...options, log }) }
        : {}),
    };
    log({ event: 'set', ...row });
    rows.push(row);
  }
  return rows;
}

const percent = (x: number | null | undefined): string => (x == null ? '–' : `${(x * 100).toFixed(1)} %`);
const factor = (x: number | null | undefined): string => (x == null ? '–' : x.toFixed(4));

/** The rows as a Markdown table: ours and pocketsphinx side by side. */
export function markdownTable(rows: readonly RealEvalRow[]): string {
  const head =
    '| set | condition | files (in / out) | acceptance ours | acceptance pocketsphinx | false accept ours | false accept pocketsphinx | RTF ours | RTF pocketsphinx |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n';
  return (
    head +
    rows
      .map(
        (r) =>
          `| ${r.set} | ${r.condition} | ${r.files} (${r.in_context} / ${r.out_of_context}) | ` +
          `${percent(r.ours?.acceptance)} | ${percent(r.pocketsphinx?.acceptance)} | ` +
          `${percent(r.ours?.false_accept)} | ${percent(r.pocketsphinx?.false_accept)} | ` +
          `${factor(r.ours?.rtf)} | ${factor(r.pocketsphinx?.rtf)} |\n`,
      )
      .join('')
  );
}

/**
 * The `--parts real` hook of scripts/evaluate.ts: every set×condition with both systems, as results (keyed
 * `real_<set>_<condition>`) and rows of its `measure | value | n` table.
 */
export async function realPart(
  engine: Engine,
  options: Omit<RealEvalOptions, 'engine'> = {},
): Promise<{ results: Record<string, RealEvalRow>; table: [string, string, string][] }> {
  const rows = await evaluateRealSets({ ...options, engine });
  const results: Record<string, RealEvalRow> = {};
  const table: [string, string, string][] = [];
  for (const r of rows) {
    results[`real_${r.set}_${r.condition}`] = r;
    table.push([
      `real speech ${r.set} ${r.condition}: acceptance / false acceptance, ours vs pocketsphinx`,
      `${percent(r.ours?.acceptance)} / ${percent(r.ours?.false_accept)} vs ` +
        `${percent(r.pocketsphinx?.acceptance)} / ${percent(r.pocketsphinx?.false_accept)}`,
      `${r.files} files (${r.out_of_context} out of context)`,
    ]);
  }
  return { results, table };
}

const USAGE =
  'usage: realspeech/evaluate [--root work/real] [--sets sc_report,speechocean,fsdd] [--conditions clean,6,...]\n' +
  '       [--limit N] [--systems ours,pocketsphinx] [--concurrency 1] [--frame-downsample 1]\n' +
  '       [--denoise off|rnnoise|auto] [--remove-noise on|off] [--beams BEAM,EXIT] [--first-pass-stands X|off]\n' +
  '       [--cmn-prior FRAMES] [--final-gaussians K] [--fusion PATH|none] [--competitors N]\n' +
  '       [--noisy-pass-choice on|off]\n' +
  '       [--session file|speaker] [--ahead-silence MS] [--low-confidence-silence MS] [--end-silence MS]\n' +
  '       [--pocketsphinx-args="-topn 16"]\n' +
  '       [--json-out FILE] [--details FILE]';

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        root: { type: 'string', default: defaultRealEvalOptions.root },
        sets: { type: 'string', default: defaultRealEvalOptions.sets.join(',') },
        conditions: { type: 'string', default: defaultConditions.join(',') },
        limit: { type: 'string' },
        systems: { type: 'string', default: 'ours,pocketsphinx' },
        concurrency: { type: 'string', default: '1' },
        session: { type: 'string', default: 'file' },
        'frame-downsample': { type: 'string', default: '1' },
        denoise: { type: 'string' },
        'remove-noise': { type: 'string' },
        'first-pass-stands': { type: 'string' },
        'cmn-prior': { type: 'string' },
        'final-gaussians': { type: 'string' },
        competitors: { type: 'string' },
        'noisy-pass-choice': { type: 'string' },
        'pocketsphinx-args': { type: 'string' },
        fusion: { type: 'string' },
        'ahead-silence': { type: 'string' },
        'low-confidence-silence': { type: 'string' },
        'end-silence': { type: 'string' },
        beams: { type: 'string' },
        'json-out': { type: 'string' },
        details: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const list = (text: string) => text.split(',').filter((s) => s !== '');
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  const concurrency = Number(values.concurrency);
  const frameDownsample = Number(values['frame-downsample']);
  const systems = list(values.systems);
  const conditions = list(values.conditions).map(conditionName);
  if (
    !(limit > 0) ||
    !(Number.isInteger(concurrency) && concurrency > 0) ||
    !(Number.isInteger(frameDownsample) && frameDownsample > 0) ||
    systems.length === 0 ||
    !(values.session === 'file' || values.session === 'speaker') ||
    !systems.every((s) => s === 'ours' || s === 'pocketsphinx') ||
    !conditions.every((c) => /^(clean|snr\d+)$/.test(c))
  ) {
    process.stderr.write(
      `${USAGE}\n(--systems from ours,pocketsphinx; --conditions clean or SNRs in dB; --session file or speaker)\n`,
    );
    return 2;
  }
  const details: string[] = [];
  const psArgs = (values['pocketsphinx-args'] ?? '').split(/\s+/).filter((a) => a !== '');
  // The same flags as `voxstream infer`, parsed the same way (a TypeError names the bad one).
  let flags: Pick<
    Partial<RuntimeOptions>,
    | 'removeNoise'
    | 'searchBeams'
    | 'firstPassStands'
    | 'cmnPriorFrames'
    | 'finalGaussians'
    | 'competitors'
    | 'noisyPassChoice'
    | 'endpointing'
    | 'fusionModelPath'
  >;
  try {
    const ms = (flag: 'ahead-silence' | 'low-confidence-silence' | 'end-silence'): string | undefined => {
      const v = values[flag];
      if (v !== undefined && !(Number(v) > 0))
        throw new TypeError(`--${flag}: expected a positive number of ms, got ${v}`);
      return v;
    };
    const ahead = ms('ahead-silence');
    const lowSilence = ms('low-confidence-silence');
    const endSilence = ms('end-silence');
    const stands = values['first-pass-stands'];
    if (stands !== undefined && stands !== 'off' && !Number.isFinite(Number(stands)))
      throw new TypeError(`--first-pass-stands: expected a number or off, got ${stands}`);
    const prior = values['cmn-prior'];
    if (prior !== undefined && !(Number(prior) >= 0))
      throw new TypeError(`--cmn-prior: expected frames >= 0, got ${prior}`);
    const kept = values['final-gaussians'];
    if (kept !== undefined && !(Number.isInteger(Number(kept)) && Number(kept) >= 1))
      throw new TypeError(`--final-gaussians: expected a positive integer, got ${kept}`);
    const competitors = values.competitors;
    if (competitors !== undefined && !(Number.isInteger(Number(competitors)) && Number(competitors) >= 0))
      throw new TypeError(`--competitors: expected an integer >= 0, got ${competitors}`);
    flags = {
      ...(competitors === undefined ? {} : { competitors: Number(competitors) }),
      ...(kept === undefined ? {} : { finalGaussians: Number(kept) }),
      ...(stands === undefined ? {} : { firstPassStands: stands === 'off' ? null : Number(stands) }),
      ...(prior === undefined ? {} : { cmnPriorFrames: Number(prior) }),
      ...(values.fusion === undefined
        ? {}
        : { fusionModelPath: values.fusion === 'none' ? null : values.fusion }),
      ...(ahead === undefined && lowSilence === undefined && endSilence === undefined
        ? {}
        : {
            endpointing: {
              recognize: {
                ...(ahead === undefined ? {} : { aheadSilenceMs: Number(ahead) }),
                ...(lowSilence === undefined ? {} : { lowConfidenceSilenceMs: Number(lowSilence) }),
              },
              ...(endSilence === undefined ? {} : { segment: { endSilenceMs: Number(endSilence) } }),
            },
          }),
      ...(values['remove-noise'] === undefined
        ? {}
        : { removeNoise: onOff(values['remove-noise'], '--remove-noise') }),
      ...(values['noisy-pass-choice'] === undefined
        ? {}
        : { noisyPassChoice: onOff(values['noisy-pass-choice'], '--noisy-pass-choice') }),
      ...(values.beams === undefined ? {} : { searchBeams: beamsFlag(values.beams) }),
    };
  } catch (error) {
    process.stderr.write(`${USAGE}\n(${(error as Error).message})\n`);
    return 2;
  }
  const engine = systems.includes('ours')
    ? await loadEngine({
        acousticFrameDownsample: frameDownsample,
        ...(values.denoise === undefined ? {} : { denoise: values.denoise as 'off' | 'rnnoise' | 'auto' }),
        ...flags,
      })
    : undefined;
  let rows;
  try {
    rows = await evaluateRealSets({
      root: values.root,
      sets: list(values.sets),
      conditions,
      limit,
      systems: systems as System[],
      concurrency,
      session: values.session as 'file' | 'speaker',
      ...(psArgs.length === 0 ? {} : { pocketsphinxArgs: psArgs }),
      ...(engine === undefined ? {} : { engine }),
      ...(values.details === undefined ? {} : { onDetail: (l) => details.push(JSON.stringify(l)) }),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && !/names no context/.test(String(error)))
      throw error;
    process.stderr.write(
      `${(error as Error).message}\n(build the sets: /usr/bin/python3 scripts/build_realsets.py)\n`,
    );
    return 1;
  } finally {
    await engine?.close();
  }
  if (values.details !== undefined) await writeFile(values.details, details.map((l) => `${l}\n`).join(''));
  if (values['json-out'] !== undefined) {
    await writeFile(
      values['json-out'],
      // Paths relative to where it ran, so the JSON names no machine's folders.
      `${JSON.stringify(
        {
          root: relative('.', resolve(values.root)),
          frameDownsample,
          session: values.session,
          aheadSilenceMs: values['ahead-silence'] === undefined ? 'default' : Number(values['ahead-silence']),
          lowConfidenceSilenceMs:
            values['low-confidence-silence'] === undefined
              ? 'default'
              : Number(values['low-confidence-silence']),
          endSilenceMs: values['end-silence'] === undefined ? 'default' : Number(values['end-silence']),
          denoise: engine?.options.denoise ?? values.denoise ?? null,
          removeNoise: engine?.options.removeNoise ?? null,
          searchBeams: engine?.options.searchBeams ?? 'default',
          // null: off, the second pass always runs.
          firstPassStands:
            engine?.options.firstPassStands === undefined ? 'default' : engine.options.firstPassStands,
          cmnPriorFrames: engine?.options.cmnPriorFrames ?? 'default',
          finalGaussians: engine?.options.finalGaussians ?? 'default',
          competitors: engine?.options.competitors ?? 0,
          noisyPassChoice: engine?.options.noisyPassChoice ?? 'default',
          pocketsphinxArgs: psArgs,
          fusion: engine?.options.fusionModelPath ?? null,
          rows: rows.map((r) => ({ ...r, context: relative('.', r.context) })),
        },
        null,
        2,
      )}\n`,
    );
  }
  process.stdout.write(markdownTable(rows));
  return 0;
}

// Run as a script, not when imported (scripts/evaluate.ts --parts real, the tests).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
