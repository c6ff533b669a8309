/**
 * Scores PocketSphinx with a context's JSGF grammar on an evaluation set, as a baseline for our recognizer.
 *
 *   npx tsx scripts/pocketsphinx/eval.ts --set work/eval/coffee_maker_clean --context coffee_maker --json
 *   npx tsx scripts/pocketsphinx/eval.ts --set work/eval/oog_clean --context smart_home --limit 100
 *
 * A set is a folder with `manifest.jsonl` (`{file, text, intent, slots, voice, snr_db?}`, `intent` null for
 * out-of-context speech) and the audio files (WAV, any rate; resampled to 16 kHz). All files go through one
 * `pocketsphinx_batch` process, with the context's JSGF grammar left-factored (`--grammar factored`, the
 * default: the same language, about 2.5x faster on coffee_maker) or one alternative per expression
 * (`flat`). Each hypothesis is parsed with `parseText`. An in-context file is accepted when the parse has
 * the manifest's intent and exactly its slots; an out-of-context file is a false acceptance when the
 * hypothesis parses at all (pocketsphinx has no garbage model: it only rejects, with an empty hypothesis,
 * when no grammar path survives its beams).
 *
 * stdout: one line per file (JSON with `--json`, else a short text line), then the summary as one JSON line:
 * `{system, set, context, grammar, files, accepted, acceptance, false_accepts, false_accept, empty,
 * audio_seconds, seconds, rtf, load_seconds}`. `acceptance` is over in-context files and `false_accept` over out-of-context
 * ones (null when there are none). `seconds` is pocketsphinx's own decoding wall time summed over files and
 * `rtf` = seconds / audio_seconds; `load_seconds` is the rest of the process's wall time (model and grammar
 * loading, paid once). Progress goes to stderr every 50 files. Exit code 0; 1 on a bad set or context;
 * 3 when a grammar word has no pronunciation.
 */
import { readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeAudioFile, float32ToInt16, resample } from '../../src/audio/index.ts';
import { ContextError, loadContext, parseText, type IntentResult } from '../../src/context/index.ts';
import { PS_SAMPLE_RATE, decodeBatch, type Hypothesis } from './batch.ts';
import { DEBIAN_DICT, checkWords, dictionaryLines, readDictionary } from './dictionary.ts';
import { contextToJsgf, contextWords } from './jsgf.ts';

const USAGE =
  'usage: eval --set <folder> --context <name|path> [--limit N] [--json] [--grammar factored|flat] [--dict FILE] [--ps-arg -flag=value ...]';
const PROGRESS_EVERY = 50;

/** One line of a set's manifest. */
export interface ManifestRow {
  readonly file: string;
  readonly text: string;
  readonly intent: string | null;
  readonly slots: Readonly<Record<string, string>>;
  readonly voice?: string;
  /** Who spoke it, where the set knows (scripts/build_realsets.py). */
  readonly speaker?: string;
  readonly snr_db?: number;
}

/** Parses a set's `manifest.jsonl`; `source` names it in errors. */
export function readManifest(text: string, source: string): ManifestRow[] {
  return text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, n }) => {
      const row = JSON.parse(line) as Partial<ManifestRow>;
      if (typeof row.file !== 'string' || (row.intent !== null && typeof row.intent !== 'string')) {
        throw new TypeError(`${source}:${n}: a row needs a string 'file' and a string or null 'intent'`);
      }
      return { ...row, text: row.text ?? '', slots: row.slots ?? {} } as ManifestRow;
    });
}

/** Same intent and exactly the same slots. */
export function sameResult(parse: IntentResult | null, row: ManifestRow): boolean {
  if (parse === null || parse.intent !== row.intent) return false;
  const want = Object.entries(row.slots);
  return (
    want.length === Object.keys(parse.slots).length &&
    want.every(([slot, value]) => parse.slots[slot] === value)
  );
}

/** 16 kHz Int16 PCM of an audio file, and its duration in seconds. */
export async function loadAudio(path: string): Promise<{ pcm: Int16Array; seconds: number }> {
  const decoded = decodeAudioFile(await readFile(path), path);
  const pcm =
    decoded.sampleRate === PS_SAMPLE_RATE
      ? decoded.pcm
      : resample(decoded.pcm, decoded.sampleRate, PS_SAMPLE_RATE);
  return { pcm: float32ToInt16(pcm), seconds: pcm.length / PS_SAMPLE_RATE };
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        set: { type: 'string' },
        context: { type: 'string' },
        limit: { type: 'string' },
        json: { type: 'boolean', default: false },
        grammar: { type: 'string', default: 'factored' },
        dict: { type: 'string', default: DEBIAN_DICT },
        'ps-arg': { type: 'string', multiple: true, default: [] },
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
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  const psArgs = values['ps-arg'].map((a) => /^(-\w+)=(.*)$/.exec(a));
  if (
    values.set === undefined ||
    values.context === undefined ||
    !(limit > 0) ||
    psArgs.includes(null) ||
    !['factored', 'flat'].includes(values.grammar)
  ) {
    process.stderr.write(
      `${USAGE}\n(--limit is a positive integer; --ps-arg is -flag=value, e.g. -beam=1e-60)\n`,
    );
    return 2;
  }

  const setDir = resolve(values.set);
  let spec, rows;
  try {
    spec = await loadContext(values.context);
    const manifest = join(setDir, 'manifest.jsonl');
    rows = readManifest(await readFile(manifest, 'utf8'), manifest).slice(0, limit);
  } catch (error) {
    const expected =
      error instanceof ContextError ||
      error instanceof TypeError ||
      error instanceof SyntaxError ||
      (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (!expected) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    return 1;
  }

  const dict = await readDictionary(values.dict);
  const check = checkWords(contextWords(spec), dict);
  if (check.missing.length > 0) {
    process.stderr.write(`${JSON.stringify({ event: 'missing_words', missing: check.missing })}\n`);
    return 3;
  }
  const folder = await mkdtemp(join(tmpdir(), 'vx-ps-eval-'));
  try {
    const jsgf = join(folder, 'grammar.gram');
    await writeFile(
      jsgf,
      contextToJsgf(spec, { name: basename(values.context, '.yaml'), factor: values.grammar === 'factored' }),
    );
    let dictPath = values.dict;
    if (check.guessed.size > 0) {
      process.stderr.write(
        `${JSON.stringify({ event: 'guessed_words', guessed: Object.fromEntries(check.guessed) })}\n`,
      );
      dictPath = join(folder, 'merged.dict');
      await writeFile(dictPath, (await readFile(values.dict, 'utf8')) + dictionaryLines(check.guessed));
    }

    const audio = [];
    for (const row of rows) audio.push(await loadAudio(join(setDir, row.file)));
    const audioSeconds = audio.reduce((sum, a) => sum + a.seconds, 0);
    const { hypotheses, processMs } = await decodeBatch(
      audio.map((a) => a.pcm),
      {
        jsgf,
        dict: dictPath,
        extraArgs: psArgs.flatMap((m) => [m?.[1] as string, m?.[2] as string]),
        onProgress: (done) => {
          if (done % PROGRESS_EVERY === 0 || done === rows.length) {
            process.stderr.write(`${JSON.stringify({ event: 'progress', done, files: rows.length })}\n`);
          }
        },
      },
    );

    let accepted = 0;
    let falseAccepts = 0;
    let empty = 0;
    for (const [i, row] of rows.entries()) {
      const hyp = hypotheses[i] as Hypothesis;
      const parse = parseText(spec, hyp.text);
      const inContext = row.intent !== null;
      const ok = inContext ? sameResult(parse, row) : parse === null;
      if (inContext && ok) accepted++;
      if (!inContext && parse !== null) falseAccepts++;
      if (hyp.text === '') empty++;
      const line = {
        file: row.file,
        text: row.text,
        hyp: hyp.text,
        intent: row.intent,
        slots: row.slots,
        parse,
        ok,
        score: hyp.score,
        acoustic_per_frame: hyp.frames > 0 ? round(hyp.acousticScore / hyp.frames, 1) : null,
        seconds: round(audio[i]?.seconds ?? 0, 3),
        ...(row.snr_db === undefined ? {} : { snr_db: row.snr_db }),
      };
      process.stdout.write(
        values.json
          ? `${JSON.stringify(line)}\n`
          : `${ok ? 'ok  ' : 'FAIL'} ${row.file}  ${row.text}  =>  ${hyp.text}\n`,
      );
    }

    const inContext = rows.filter((r) => r.intent !== null).length;
    const oog = rows.length - inContext;
    const decodeSeconds = hypotheses.reduce((sum, h) => sum + h.wallMs, 0) / 1000;
    const summary = {
      system: 'pocketsphinx-jsgf',
      set: values.set,
      context: values.context,
      grammar: values.grammar,
      files: rows.length,
      accepted,
      acceptance: inContext > 0 ? round(accepted / inContext) : null,
      false_accepts: falseAccepts,
      false_accept: oog > 0 ? round(falseAccepts / oog) : null,
      empty,
      audio_seconds: round(audioSeconds, 2),
      seconds: round(decodeSeconds, 2),
      rtf: audioSeconds > 0 ? round(decodeSeconds / audioSeconds) : null,
      load_seconds: round(Math.max(0, processMs / 1000 - decodeSeconds), 2),
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return 0;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

// Run as a script, not when imported (scripts/realspeech/ reuses the helpers above).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
