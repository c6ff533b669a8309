/**
 * One system's score on one real-speech set×condition (see scripts/realspeech/evaluate.ts for the measures):
 * our recognizer through `inferFile`, pocketsphinx through one `pocketsphinx_batch` run, on the same files.
 */
import { join } from 'node:path';
import { loadContext } from '../../src/context/index.ts';
import type { Engine } from '../../src/runtime/index.ts';
import { type ManifestRow, loadAudio, sameResult } from '../pocketsphinx/eval.ts';
import { runOurs } from './ours.ts';
import { runPocketsphinx } from './pocketsphinx.ts';
import type { RealSet } from './sets.ts';

/** Options of {@link scoreOurs} and {@link scorePocketsphinx}. */
export interface ScoreOptions {
  /** Our files in flight at once. Default 1. */
  readonly concurrency?: number;
  /**
   * `file` (default): one session per file, as `voxstream infer` runs them. `speaker`: one session per speaker,
   * the speaker's files in the set's order, as a device kept open by one person (the live cepstral mean and
   * the VAD's noise floor carry over between commands); files without a speaker get a session each.
   */
  readonly session?: 'file' | 'speaker';
  /** pocketsphinx: more `-flag value` pairs for pocketsphinx_batch (PocketsphinxOptions.extraArgs). */
  readonly pocketsphinxArgs?: readonly string[];
  /** Receives one line per file (JSON). */
  readonly onDetail?: (line: Record<string, unknown>) => void;
  /** Progress and notes (JSON lines). */
  readonly log: (event: Record<string, unknown>) => void;
}

/** One system's score on one set×condition. */
export interface SystemScore {
  /** In-context files with the intent and every slot right. */
  readonly accepted: number;
  /** accepted / in-context files; null when there are none. */
  readonly acceptance: number | null;
  /** Out-of-context files that came out as a command. */
  readonly false_accepts: number;
  /** false_accepts / out-of-context files; null when there are none. */
  readonly false_accept: number | null;
  /** Files that failed to run (ours) or got no hypothesis at all (pocketsphinx). */
  readonly errors: number;
  readonly audio_seconds: number;
  /** Processing seconds behind `rtf` (see the module note). */
  readonly seconds: number;
  readonly rtf: number | null;
  /**
   * ours only: the process's CPU seconds (every thread) over the audio seconds, which other load on the
   * machine does not inflate as it does `rtf`.
   */
  readonly cpu_rtf?: number | null;
  /** pocketsphinx only: process time outside decoding (model and grammar loading), seconds. */
  readonly load_seconds?: number;
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

/** Counts right answers on in-context rows and any answer on out-of-context rows. */
function score(
  rows: readonly ManifestRow[],
  answered: readonly boolean[],
  right: readonly boolean[],
): Pick<SystemScore, 'accepted' | 'acceptance' | 'false_accepts' | 'false_accept'> {
  let accepted = 0;
  let falseAccepts = 0;
  let inContext = 0;
  rows.forEach((row, i) => {
    if (row.intent !== null) {
      inContext++;
      if (right[i]) accepted++;
    } else if (answered[i]) falseAccepts++;
  });
  const outOfContext = rows.length - inContext;
  return {
    accepted,
    acceptance: inContext > 0 ? round(accepted / inContext) : null,
    false_accepts: falseAccepts,
    false_accept: outOfContext > 0 ? round(falseAccepts / outOfContext) : null,
  };
}

/** Our recognizer on one set×condition. */
export async function scoreOurs(set: RealSet, engine: Engine, options: ScoreOptions): Promise<SystemScore> {
  const { log } = options;
  const files = set.rows.map((r) => join(set.folder, r.file));
  let logged = 0;
  const run = await runOurs(engine, set.context, files, {
    concurrency: options.concurrency ?? 1,
    ...(options.session === 'speaker' ? { sessions: speakerSessions(set.rows) } : {}),
    onProgress: (done) => {
      if (Math.floor(done / 50) > Math.floor(logged / 50) || done === files.length) {
        logged = done;
        log({
          event: 'progress',
          system: 'ours',
          set: set.set,
          condition: set.condition,
          done,
          of: files.length,
        });
      }
    },
  });
  for (const e of run.errors) log({ event: 'file_error', system: 'ours', ...e });
  const answered = run.results.map((r) => r?.understood ?? false);
  const right = set.rows.map(
    (row, i) =>
      answered[i] === true &&
      sameResult({ intent: run.results[i]?.intent ?? '', slots: { ...run.results[i]?.slots } }, row),
  );
  set.rows.forEach((row, i) => {
    const r = run.results[i];
    options.onDetail?.({
      system: 'ours',
      set: set.set,
      condition: set.condition,
      file: row.file,
      expected: row.intent === null ? null : { intent: row.intent, slots: row.slots },
      understood: r?.understood ?? false,
      intent: r?.intent ?? null,
      slots: r?.slots ?? {},
      confidence: r?.confidence ?? 0,
      transcript: r?.transcript ?? '',
      right: right[i],
      // More than 1: the VAD cut the file at a pause (the answer is the first utterance understood, else the last).
      utterances: r?.utterances ?? 0,
    });
  });
  return {
    ...score(set.rows, answered, right),
    errors: run.errors.length,
    audio_seconds: round(run.audioMs / 1000, 2),
    seconds: round(run.processMs / 1000, 2),
    rtf: run.audioMs > 0 ? round(run.processMs / run.audioMs) : null,
    cpu_rtf: run.audioMs > 0 ? round(run.cpuMs / run.audioMs) : null,
  };
}

/** Commands a `speaker` session holds at most: a speaker's files beyond it start a new session. */
export const speakerSessionFiles = 20;

/**
 * Sessions of one speaker's files each (indices into `rows`, in the rows' order), at most
 * {@link speakerSessionFiles} a session; a row without a speaker is a session of its own.
 */
export function speakerSessions(rows: readonly ManifestRow[]): number[][] {
  const open = new Map<string, number[]>();
  const sessions: number[][] = [];
  rows.forEach((row, i) => {
    const speaker = row.speaker;
    let session = speaker === undefined ? undefined : open.get(speaker);
    if (session === undefined || session.length >= speakerSessionFiles) {
      session = [];
      sessions.push(session);
      if (speaker !== undefined) open.set(speaker, session);
    }
    session.push(i);
  });
  return sessions;
}

/** pocketsphinx on one set×condition. */
export async function scorePocketsphinx(set: RealSet, options: ScoreOptions): Promise<SystemScore> {
  const { log } = options;
  const audio = [];
  for (const row of set.rows) audio.push(await loadAudio(join(set.folder, row.file)));
  const spec = await loadContext(set.context);
  const run = await runPocketsphinx(
    spec,
    set.set,
    audio.map((a) => a.pcm),
    {
      ...(options.pocketsphinxArgs === undefined ? {} : { extraArgs: options.pocketsphinxArgs }),
      onProgress: (done) => {
        if (done % 50 === 0 || done === audio.length)
          log({
            event: 'progress',
            system: 'pocketsphinx',
            set: set.set,
            condition: set.condition,
            done,
            of: audio.length,
          });
      },
    },
  );
  if (Object.keys(run.guessed).length > 0)
    log({ event: 'guessed_words', set: set.set, guessed: run.guessed });
  const answered = run.parses.map((p) => p !== null);
  const right = set.rows.map((row, i) => sameResult(run.parses[i] ?? null, row));
  set.rows.forEach((row, i) => {
    const parse = run.parses[i] ?? null;
    options.onDetail?.({
      system: 'pocketsphinx',
      set: set.set,
      condition: set.condition,
      file: row.file,
      expected: row.intent === null ? null : { intent: row.intent, slots: row.slots },
      understood: parse !== null,
      intent: parse?.intent ?? null,
      slots: parse?.slots ?? {},
      transcript: run.hypotheses[i]?.text ?? '',
      right: right[i],
    });
  });
  const audioSeconds = audio.reduce((sum, a) => sum + a.seconds, 0);
  const seconds = run.decodeMs / 1000;
  return {
    ...score(set.rows, answered, right),
    errors: run.hypotheses.filter((h) => h.text === '').length,
    audio_seconds: round(audioSeconds, 2),
    seconds: round(seconds, 2),
    rtf: audioSeconds > 0 ? round(seconds / audioSeconds) : null,
    load_seconds: round(Math.max(0, run.processMs / 1000 - seconds), 2),
  };
}
