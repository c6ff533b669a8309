import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { from, lastValueFrom, toArray } from 'rxjs';
import { MODEL_CONTRACT, decodeAudioFile, float32ToInt16, int16ToBytes, resample } from '../audio/index.ts';
import { SessionClock } from '../metrics/index.ts';
import { type StreamItem, sessionGraph } from '../pipeline/index.ts';
import { type ServerMessage, pcmInputRates } from '../protocol/index.ts';
import {
  Engine,
  type LoadedContext,
  createLogger,
  resolveRuntimeOptions,
  sessionParts,
} from '../runtime/index.ts';
import { recognitionFlags, recognitionOptions } from './args.ts';
import { audioExtensions, inferInputs } from './inferInputs.ts';

/** What `infer` says about one file. */
export interface InferResult {
  readonly file: string;
  readonly understood: boolean;
  readonly intent: string | null;
  readonly slots: Readonly<Record<string, string>>;
  readonly transcript: string;
  readonly confidence: number;
  /** Utterances the VAD found in the file. */
  readonly utterances: number;
  readonly audioMs: number;
  /** Wall time to process the file, ms, and per-stage ms of the decisive utterance. */
  readonly processMs: number;
  readonly stages: Readonly<Record<string, number>>;
  /** Present (true) when the decisive utterance was decoded from its denoised audio (`--denoise auto`). */
  readonly denoised?: true;
}

/** Silence put before and after each file's audio, ms. */
const leadMs = 300;
const tailMs = 600;

const silentReply = { speak: () => Promise.reject(new Error('no replies in infer')) };

/** Runs one file through the session graph (replies off), as fast as the models allow. */
export async function inferFile(engine: Engine, context: LoadedContext, file: string): Promise<InferResult> {
  return (await inferSession(engine, context, [file]))[0] as InferResult;
}

/** One file's audio, decoded and padded, and where it lies in the session's stream. */
interface SessionPart {
  readonly file: string;
  readonly audioMs: number;
  readonly samples: Int16Array;
  /** Stream time at which its padded audio ends, ms (it starts where the file before it ends). */
  readonly toMs: number;
}

/**
 * Runs files one after another through ONE session graph (replies off), as a device that keeps its socket open
 * sends several commands: the session's state carries over between them (the CMU front end's live cepstral
 * mean, the noise floor of the VAD). Each file is padded with silence as {@link inferFile} pads it, so that
 * every file is its own utterance; an utterance belongs to the file in whose padded audio it starts. One
 * result per file, in order; `processMs` is the session's wall time shared out by the files' durations.
 *
 * @throws Error when the session ends in an error before any intent, or files differ in sample rate
 */
export async function inferSession(
  engine: Engine,
  context: LoadedContext,
  files: readonly string[],
): Promise<InferResult[]> {
  if (files.length === 0) return [];
  const started = performance.now();
  const parts: SessionPart[] = [];
  let sampleRate = 0;
  let atMs = 0;
  for (const file of files) {
    const decoded = decodeAudioFile(new Uint8Array(await readFile(file)), file);
    let { pcm, sampleRate: rate } = decoded;
    if (!(pcmInputRates as readonly number[]).includes(rate)) {
      pcm = resample(pcm, rate, MODEL_CONTRACT.sampleRate);
      rate = MODEL_CONTRACT.sampleRate;
    }
    sampleRate ||= rate;
    if (rate !== sampleRate) {
      throw new Error(`${file}: ${rate} Hz after decoding, the session's earlier files ${sampleRate} Hz`);
    }
    // Files are often trimmed to the speech (FSDD clips start and end on it); a live stream never is. Pad them
    // with silence so that the VAD sees an onset and an end, as it would from a microphone.
    const padded = new Float32Array(pcm.length + Math.round((rate * (leadMs + tailMs)) / 1000));
    padded.set(pcm, Math.round((rate * leadMs) / 1000));
    const samples = float32ToInt16(padded);
    const toMs = atMs + (samples.length / rate) * 1000;
    parts.push({
      file,
      audioMs: Math.round((decoded.pcm.length / decoded.sampleRate) * 1000),
      samples,
      toMs,
    });
    atMs = toMs;
  }
  const chunk = sampleRate / 50; // 20 ms, as a device would send
  const items: StreamItem[] = [];
  for (const { samples } of parts) {
    for (let at = 0; at < samples.length; at += chunk)
      items.push({ kind: 'ingest', bytes: int16ToBytes(samples.slice(at, at + chunk)) });
  }
  items.push({ kind: 'end' });
  const clock = new SessionClock();
  const graphParts = sessionParts(engine, {
    audio: { encoding: 'pcm_s16le', sampleRate },
    context,
    tts: { synthesize: silentReply.speak },
    reply: { enabled: false, encoding: 'pcm_s16le', sampleRate: 16000 },
    partials: false,
    offline: true,
    budgets: engine.options.budgets,
    clock,
  });
  const out = await lastValueFrom(sessionGraph(from(items), graphParts).pipe(toArray()));
  const messages = out.filter((f) => f.kind === 'event').map((f) => f.message);
  const error = messages.find((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');
  if (error && !messages.some((m) => m.type === 'intent')) {
    throw Object.assign(new Error(error.message), { code: error.code });
  }
  // Each utterance goes to the file in whose padded audio it started.
  const fileOf = new Map<number, number>();
  for (const m of messages) {
    if (m.type !== 'speech_start') continue;
    const index = parts.findIndex((p) => m.atMs < p.toMs);
    fileOf.set(m.utterance, index < 0 ? parts.length - 1 : index);
  }
  const processMs = performance.now() - started;
  const totalMs = parts.reduce((n, p) => n + p.audioMs, 0);
  return parts.map((part, i) => {
    const mine = (m: ServerMessage): boolean => 'utterance' in m && fileOf.get(m.utterance) === i;
    const intents = messages.filter(
      (m): m is Extract<ServerMessage, { type: 'intent' }> => m.type === 'intent' && mine(m),
    );
    // The decisive utterance: the first one understood, else the last one heard.
    const pick = intents.findIndex((m) => m.understood);
    const decision = intents[pick >= 0 ? pick : intents.length - 1];
    const of = <T extends ServerMessage['type']>(type: T) =>
      messages.find(
        (m): m is Extract<ServerMessage, { type: T }> =>
          m.type === type && decision !== undefined && 'utterance' in m && m.utterance === decision.utterance,
      );
    const final = of('final');
    return {
      file: part.file,
      understood: decision?.understood ?? false,
      intent: decision?.intent ?? null,
      slots: decision?.slots ?? {},
      transcript: decision?.transcript ?? final?.text ?? '',
      confidence: decision?.confidence ?? 0,
      utterances: intents.length,
      audioMs: part.audioMs,
      processMs: Math.round(totalMs > 0 ? (processMs * part.audioMs) / totalMs : processMs / parts.length),
      stages: { ...of('metrics')?.stages },
      ...(final?.denoised ? { denoised: true as const } : {}),
    };
  });
}

/** Where `infer` reads paths and writes its progress; the process's own streams unless a test gives others. */
export interface InferIo {
  readonly stdin: Readable;
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

const inferFlags = {
  context: { type: 'string' },
  json: { type: 'boolean' },
  concurrency: { type: 'string', default: '4' },
  device: { type: 'string' },
  ...recognitionFlags,
} as const;

type InferValues = ReturnType<typeof parseArgs<{ options: typeof inferFlags }>>['values'];

/**
 * `voxstream infer`: one line per file (JSON with --json), errors per file, a summary on stderr. Arguments are
 * files, directories (their audio files, recursively) or `-` (paths on stdin, one a line); on a terminal,
 * stderr shows how many files are done.
 */
export async function inferCommand(
  argv: string[],
  io: InferIo = { stdin: process.stdin, stderr: process.stderr },
): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: inferFlags });
  if (!values.context || positionals.length === 0) {
    io.stderr.write(
      'usage: voxstream infer --context NAME|PATH [--json] [--concurrency N] [--acoustic-model cmu|ctc] [--acoustic-model-dir DIR] [--denoise rnnoise|auto|off] [--remove-noise on|off] [--noisy-pass-choice on|off] [--beams B,E] [--frame-downsample N] [--final-gaussians K] [--competitors N] [--fusion on|none|PATH] <file|dir|-...>\n',
    );
    return 2;
  }
  let files: string[];
  try {
    files = await inferInputs(positionals, io.stdin);
  } catch (error) {
    io.stderr.write(`voxstream infer: ${(error as Error).message}\n`);
    return 1;
  }
  if (files.length === 0) {
    io.stderr.write(
      `voxstream infer: no audio files (${audioExtensions.join(', ')}) in ${positionals.join(' ')}\n`,
    );
    return 1;
  }
  let options: ReturnType<typeof resolveRuntimeOptions>;
  try {
    options = inferOptions(values, values.context);
  } catch (error) {
    // A flag's value the runtime cannot take: say which, not a stack trace.
    io.stderr.write(`voxstream infer: ${(error as Error).message}\n`);
    return 2;
  }
  const log = createLogger('silent');
  let engine: Engine;
  try {
    engine = await Engine.load(options, { log });
  } catch (error) {
    io.stderr.write(`voxstream infer: ${(error as Error).message}\n`);
    return 1;
  }
  const context = await engine.context(values.context);
  const started = performance.now();
  let audioMs = 0;
  let failures = 0;
  let done = 0;
  const progress = io.stderr.isTTY === true;
  let next = 0;
  const worker = async () => {
    for (let file = files[next++]; file !== undefined; file = files[next++]) {
      // A result line must not land after the progress text when both go to one terminal.
      const clear = progress && process.stdout.isTTY ? '\r\x1b[K' : '';
      try {
        const r = await inferFile(engine, context, file);
        audioMs += r.audioMs;
        process.stdout.write(
          clear +
            (values.json
              ? `${JSON.stringify(r)}\n`
              : `${file}\t${r.understood ? `${r.intent} ${JSON.stringify(r.slots)}` : 'not understood'}\t"${r.transcript}"\t${r.confidence}\n`),
        );
      } catch (error) {
        failures++;
        const e = error as Error & { code?: string };
        const line = { file, error: { code: e.code ?? 'VX_BAD_AUDIO', message: e.message } };
        process.stdout.write(
          clear +
            (values.json ? `${JSON.stringify(line)}\n` : `${file}\terror ${line.error.code}: ${e.message}\n`),
        );
      }
      done++;
      // One rewritten line: \r back to its start, \x1b[K clears what a longer line left.
      if (progress) io.stderr.write(`\r\x1b[K${done}/${files.length} files, ${failures} failed`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Number(values.concurrency)) }, worker));
  if (progress) io.stderr.write('\r\x1b[K');
  const seconds = (performance.now() - started) / 1000;
  io.stderr.write(
    `${JSON.stringify({ files: files.length, failures, audioSeconds: Math.round(audioMs / 100) / 10, seconds: Math.round(seconds * 10) / 10, rtf: Math.round((seconds / Math.max(audioMs / 1000, 1e-9)) * 10000) / 10000 })}\n`,
  );
  await engine.close();
  return failures > 0 && failures === files.length ? 1 : 0;
}

/** Runtime options from `infer`'s flags; throws TypeError naming a flag or option whose value is wrong. */
function inferOptions(values: InferValues, context: string): ReturnType<typeof resolveRuntimeOptions> {
  return resolveRuntimeOptions({
    defaultContext: context,
    // One process working through files: no sockets to keep responsive, and a worker's message round trip
    // per run costs more than it overlaps (one stream's RTF 0.027 on the event loop, 0.032 in workers).
    inferenceThreads: 'main',
    ...(values.device ? { device: values.device as 'cpu' } : {}),
    ...recognitionOptions(values),
  });
}
