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
import { acousticFlags, beamsFlag, fusionFlag, onOff } from './args.ts';
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
  const started = performance.now();
  const decoded = decodeAudioFile(new Uint8Array(await readFile(file)), file);
  let { pcm, sampleRate } = decoded;
  if (!(pcmInputRates as readonly number[]).includes(sampleRate)) {
    pcm = resample(pcm, sampleRate, MODEL_CONTRACT.sampleRate);
    sampleRate = MODEL_CONTRACT.sampleRate;
  }
  // Files are often trimmed to the speech (FSDD clips start and end on it); a live stream never is. Pad them
  // with silence so that the VAD sees an onset and an end, as it would from a microphone.
  const padded = new Float32Array(pcm.length + Math.round((sampleRate * (leadMs + tailMs)) / 1000));
  padded.set(pcm, Math.round((sampleRate * leadMs) / 1000));
  const samples = float32ToInt16(padded);
  const chunk = sampleRate / 50; // 20 ms, as a device would send
  const items: StreamItem[] = [];
  for (let at = 0; at < samples.length; at += chunk)
    items.push({ kind: 'ingest', bytes: int16ToBytes(samples.slice(at, at + chunk)) });
  items.push({ kind: 'end' });
  const clock = new SessionClock();
  let stages: Record<string, number> = {};
  const parts = sessionParts(engine, {
    audio: { encoding: 'pcm_s16le', sampleRate },
    context,
    tts: { synthesize: silentReply.speak },
    reply: { enabled: false, encoding: 'pcm_s16le', sampleRate: 16000 },
    partials: false,
    offline: true,
    budgets: engine.options.budgets,
    clock,
    onMetrics: (m) => {
      stages = { ...m.stages };
    },
  });
  const out = await lastValueFrom(sessionGraph(from(items), parts).pipe(toArray()));
  const messages = out.filter((f) => f.kind === 'event').map((f) => f.message);
  const intents = messages.filter(
    (m): m is Extract<ServerMessage, { type: 'intent' }> => m.type === 'intent',
  );
  const finals = messages.filter((m): m is Extract<ServerMessage, { type: 'final' }> => m.type === 'final');
  const error = messages.find((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error');
  if (error && intents.length === 0) throw Object.assign(new Error(error.message), { code: error.code });
  // The decisive utterance: the first one understood, else the last one heard.
  const pick = intents.findIndex((i) => i.understood);
  const index = pick >= 0 ? pick : intents.length - 1;
  const decision = intents[index];
  return {
    file,
    understood: decision?.understood ?? false,
    intent: decision?.intent ?? null,
    slots: decision?.slots ?? {},
    transcript: decision?.transcript ?? finals[index]?.text ?? '',
    confidence: decision?.confidence ?? 0,
    utterances: intents.length,
    audioMs: Math.round((decoded.pcm.length / decoded.sampleRate) * 1000),
    processMs: Math.round(performance.now() - started),
    stages,
    ...(finals[index]?.denoised ? { denoised: true as const } : {}),
  };
}

/** Where `infer` reads paths and writes its progress; the process's own streams unless a test gives others. */
export interface InferIo {
  readonly stdin: Readable;
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

/**
 * `voxstream infer`: one line per file (JSON with --json), errors per file, a summary on stderr. Arguments are
 * files, directories (their audio files, recursively) or `-` (paths on stdin, one a line); on a terminal,
 * stderr shows how many files are done.
 */
export async function inferCommand(
  argv: string[],
  io: InferIo = { stdin: process.stdin, stderr: process.stderr },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      context: { type: 'string' },
      json: { type: 'boolean' },
      concurrency: { type: 'string', default: '4' },
      device: { type: 'string' },
      fusion: { type: 'string' },
      'acoustic-model': { type: 'string' },
      denoise: { type: 'string' },
      'remove-noise': { type: 'string' },
      beams: { type: 'string' },
      'frame-downsample': { type: 'string' },
      'acoustic-model-dir': { type: 'string' },
    },
  });
  if (!values.context || positionals.length === 0) {
    io.stderr.write(
      'usage: voxstream infer --context NAME|PATH [--json] [--concurrency N] [--acoustic-model cmu|ctc] [--frame-downsample N] [--fusion on|none|PATH] <file|dir|-...>\n',
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
  const options = resolveRuntimeOptions({
    defaultContext: values.context,
    // One process working through files: no sockets to keep responsive, and a worker's message round trip
    // per run costs more than it overlaps (one stream's RTF 0.027 on the event loop, 0.032 in workers).
    inferenceThreads: 'main',
    ...(values.device ? { device: values.device as 'cpu' } : {}),
    ...(values.fusion ? { fusionModelPath: fusionFlag(values.fusion) } : {}),
    ...acousticFlags(values['acoustic-model'], values['acoustic-model-dir'], values.fusion),
    ...(values.denoise ? { denoise: values.denoise as 'rnnoise' | 'auto' | 'off' } : {}),
    ...(values['remove-noise'] !== undefined
      ? { removeNoise: onOff(values['remove-noise'], '--remove-noise') }
      : {}),
    ...(values.beams !== undefined ? { searchBeams: beamsFlag(values.beams) } : {}),
    ...(values['frame-downsample'] ? { acousticFrameDownsample: Number(values['frame-downsample']) } : {}),
  });
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
