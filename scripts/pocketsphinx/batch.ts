/**
 * Runs Debian's `pocketsphinx_batch` (PocketSphinx 5prealpha) with a JSGF grammar over many utterances in
 * one process, so the acoustic model and the grammar are loaded once. Audio goes in as headerless 16 kHz
 * 16-bit PCM files in a temporary folder; hypotheses come back from its `-hyp` and `-hypseg` files.
 * Settings are pocketsphinx's defaults (beams, `-remove_silence yes`) plus `-dither yes -seed 1`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEBIAN_DICT, DEBIAN_HMM } from './dictionary.ts';

/** The sample rate pocketsphinx_batch is run at, in Hz (the en-us model's). */
export const PS_SAMPLE_RATE = 16000;

/** Options of {@link decodeBatch}. */
export interface BatchOptions {
  /** The JSGF grammar file. Required. */
  readonly jsgf: string;
  /** Pronunciation dictionary. Default Debian's cmudict-en-us.dict. */
  readonly dict?: string;
  /** Acoustic model directory. Default Debian's en-us model. */
  readonly hmm?: string;
  /** The executable. Default `pocketsphinx_batch` (on `PATH`). */
  readonly binary?: string;
  /** Further `-flag value` arguments; a flag we also set takes this value (pocketsphinx rejects repeats). */
  readonly extraArgs?: readonly string[];
  /** Called after each utterance is decoded, with the number done so far. */
  readonly onProgress?: (done: number) => void;
  /** Kills the process. */
  readonly signal?: AbortSignal;
}

/** Default {@link BatchOptions} (those that have one). */
export const defaultBatchOptions = { dict: DEBIAN_DICT, hmm: DEBIAN_HMM, binary: 'pocketsphinx_batch' };

/** What pocketsphinx made of one utterance. */
export interface Hypothesis {
  /** The words, space-separated, fillers and `(n)` pronunciation marks removed; `''` when it gave up. */
  readonly text: string;
  /** Total path score (log base 1.0001, acoustic plus grammar); 0 when it gave up. */
  readonly score: number;
  /** Acoustic part of `score`, from `-hypseg`; 0 when it gave up. */
  readonly acousticScore: number;
  /** Frames (10 ms) the search ran over, after pocketsphinx's own silence removal; 0 when unknown. */
  readonly frames: number;
  /** Decoding wall time reported by pocketsphinx for this utterance, in ms (model loading excluded). */
  readonly wallMs: number;
}

/** The result of {@link decodeBatch}. */
export interface BatchResult {
  /** One per input, in input order. */
  readonly hypotheses: readonly Hypothesis[];
  /** Wall time of the whole process, model and grammar loading included, in ms. */
  readonly processMs: number;
}

/** Parses one `-hyp` line, `words (uttid score)`. */
export function parseHypLine(line: string): { uttid: string; text: string; score: number } | null {
  const match = /^(.*?)\s*\((\S+)\s+(-?\d+)\)\s*$/.exec(line);
  if (match === null) return null;
  return { uttid: match[2] as string, text: cleanWords(match[1] as string), score: Number(match[3]) };
}

/**
 * Parses one `-hypseg` line, `uttid S scale T total A acoustic L lm (start ascr lscr word)* end`, to the
 * acoustic score and the number of frames (the final end frame).
 */
export function parseHypsegLine(
  line: string,
): { uttid: string; acousticScore: number; frames: number } | null {
  const tokens = line.trim().split(/\s+/);
  if (tokens.length < 9 || tokens[1] !== 'S' || tokens[5] !== 'A') return null;
  const last = Number(tokens.at(-1));
  return {
    uttid: tokens[0] as string,
    acousticScore: Number(tokens[6]),
    frames: Number.isInteger(last) ? last : 0,
  };
}

/** Drops fillers (`<sil>`, `[NOISE]`) and alternate-pronunciation marks (`on(2)`). */
function cleanWords(text: string): string {
  return text
    .split(/\s+/)
    .filter((w) => w !== '' && !/^[<[].*[>\]]$/.test(w))
    .map((w) => w.replace(/\(\d+\)$/, ''))
    .join(' ');
}

/** `INFO: batch.c(760): u000001: 1.77 seconds speech, 0.03 seconds CPU, 0.05 seconds wall` */
const UTTERANCE_DONE =
  /^INFO: batch\.c\(\d+\): (\S+): [\d.]+ seconds speech, [\d.]+ seconds CPU, ([\d.]+) seconds wall/;
/** Lines of pocketsphinx's log kept for error messages. */
const LOG_TAIL = 20;

/**
 * Decodes utterances with pocketsphinx_batch and a JSGF grammar.
 *
 * @param utterances Int16Array PCM at {@link PS_SAMPLE_RATE}, one per utterance.
 * @throws Error when the process cannot start or exits non-zero (with the tail of its log), or an
 *   `AbortError` when `signal` fires.
 */
export async function decodeBatch(
  utterances: readonly Int16Array[],
  options: BatchOptions,
): Promise<BatchResult> {
  const { dict, hmm, binary } = { ...defaultBatchOptions, ...options };
  const folder = await mkdtemp(join(tmpdir(), 'vx-pocketsphinx-'));
  try {
    const ids = utterances.map((_, i) => `u${String(i).padStart(6, '0')}`);
    for (const [i, pcm] of utterances.entries()) {
      // pocketsphinx reads raw samples in host order; every host we run on is little-endian, like Int16Array.
      await writeFile(
        join(folder, `${ids[i]}.raw`),
        new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength),
      );
    }
    await writeFile(join(folder, 'ctl'), ids.map((id) => `${id}\n`).join(''));
    const args = new Map<string, string>([
      ['-hmm', hmm],
      ['-dict', dict],
      ['-jsgf', options.jsgf],
      ['-samprate', String(PS_SAMPLE_RATE)],
      // Digital silence (exact zeros, as in our synthesized sets' lead-in) breaks pocketsphinx's noise
      // estimate and its VAD then clips the first word ("could you turn on" heard as "turn on"). Half-bit
      // dither with a fixed seed fixes that and keeps runs reproducible.
      ['-dither', 'yes'],
      ['-seed', '1'],
      ['-adcin', 'yes'],
      ['-cepdir', folder],
      ['-cepext', '.raw'],
      ['-ctl', join(folder, 'ctl')],
      ['-hyp', join(folder, 'hyp')],
      ['-hypseg', join(folder, 'hypseg')],
      ...pairs(options.extraArgs ?? []),
    ]);

    const started = performance.now();
    const wallMs = new Map<string, number>();
    const tail: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(binary, [...args].flat(), {
        stdio: ['ignore', 'ignore', 'pipe'],
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      child.on('error', reject);
      const lines = createInterface({ input: child.stderr });
      lines.on('line', (line) => {
        tail.push(line);
        if (tail.length > LOG_TAIL) tail.shift();
        const done = UTTERANCE_DONE.exec(line);
        if (done === null) return;
        wallMs.set(done[1] as string, Number(done[2]) * 1000);
        options.onProgress?.(wallMs.size);
      });
      child.on('close', resolve);
    });
    const processMs = performance.now() - started;
    if (code !== 0) {
      throw new Error(`${binary} exited with ${code}; last log lines:\n${tail.join('\n')}`);
    }

    const hyps = new Map<string, { text: string; score: number }>();
    for (const line of (await readFile(join(folder, 'hyp'), 'utf8')).split('\n')) {
      const hyp = parseHypLine(line);
      if (hyp !== null) hyps.set(hyp.uttid, hyp);
    }
    const segs = new Map<string, { acousticScore: number; frames: number }>();
    for (const line of (await readFile(join(folder, 'hypseg'), 'utf8')).split('\n')) {
      const seg = parseHypsegLine(line);
      if (seg !== null) segs.set(seg.uttid, seg);
    }
    const hypotheses = ids.map((id): Hypothesis => {
      const hyp = hyps.get(id);
      const seg = hyp?.text === '' ? undefined : segs.get(id);
      return {
        text: hyp?.text ?? '',
        score: hyp?.score ?? 0,
        acousticScore: seg?.acousticScore ?? 0,
        frames: seg?.frames ?? 0,
        wallMs: wallMs.get(id) ?? 0,
      };
    });
    return { hypotheses, processMs };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** `['-a', '1', '-b', '2']` as pairs; a trailing flag without a value is an error. */
function pairs(flat: readonly string[]): [string, string][] {
  if (flat.length % 2 !== 0)
    throw new TypeError(`extraArgs: expected -flag value pairs, got ${flat.length} items`);
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
  return out;
}
