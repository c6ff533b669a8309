import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { bytesToInt16, OpusEncoderStream } from '../audio/index.ts';
import type { AudioSink } from '../client/audioSource.ts';
import { ClientError } from '../client/errors.ts';
import type { CommandSpec, FlagSpec } from './args.ts';
import { exitCodes, parseOrExit, processIo, runPrinted, sessionFlags, type CliIo } from './stream.ts';

/** The part of node-record-lpcm16 we use (it ships no types). */
interface Recording {
  readonly process: ChildProcess;
  stream(): Readable;
  stop(): void;
}
interface RecordModule {
  record(options: {
    sampleRate: number;
    channels: number;
    recorder: string;
    audioType: string;
    device?: string;
  }): Recording;
}

/** Recorder programs node-record-lpcm16 can drive, in order of preference, with the binary each runs. */
export const recorders = [
  { recorder: 'sox', binary: 'sox' },
  { recorder: 'rec', binary: 'rec' },
  { recorder: 'arecord', binary: 'arecord' },
] as const;

/** Sample rate of the microphone stream, in Hz. */
const MIC_RATE = 16000;
/** Bytes of one 20 ms frame of 16 kHz mono s16le. */
const FRAME_BYTES = (MIC_RATE / 50) * 2;
/** Characters of the recorder's stderr kept for error messages. */
const STDERR_KEPT = 2000;

/**
 * Looks `name` up on `PATH` the way `which` does (done in process, so it works where `which` is missing).
 * @param name - program name
 * @param pathEnv - the PATH to search; default `process.env.PATH`
 * @returns the executable's path, or null
 */
export async function findExecutable(
  name: string,
  pathEnv = process.env['PATH'] ?? '',
): Promise<string | null> {
  for (const dir of pathEnv.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here (or not executable): keep looking
    }
  }
  return null;
}

/**
 * Records from the default input into `sink` in 20 ms frames (PCM s16le, or Opus packets when `opus`) until
 * `signal` fires or the recorder ends. The recorder is paused while the sink pushes back. Resolves once the
 * recorder process has exited.
 * @throws Error when the recorder fails or exits with a non-zero code unasked (its last stderr output in the
 *   message); whatever the sink throws
 */
export async function recordInto(
  recording: Recording,
  sink: AudioSink,
  options: { opus: boolean; signal: AbortSignal },
): Promise<void> {
  const encoder = options.opus ? new OpusEncoderStream({ sampleRate: MIC_RATE }) : null;
  const send = async (bytes: Uint8Array, last: boolean): Promise<void> => {
    if (encoder === null) return sink.sendAudio(bytes);
    const packets = [...encoder.push(bytesToInt16(bytes.slice())), ...(last ? encoder.flush() : [])];
    for (const packet of packets) await sink.sendAudio(packet);
  };
  const stream = recording.stream();
  let stderr = '';
  recording.process.stderr?.on(
    'data',
    (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT)),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    recording.stop();
  };
  // The exit code tells a recorder that failed (no device: it exits at once, its stdout just ends) from one
  // we stopped; node-record-lpcm16 reports the failure only after the stream has ended.
  const exited = new Promise<number | null>((resolve) =>
    recording.process.once('close', (code) => resolve(code)),
  );
  let pending: Uint8Array = new Uint8Array(0);
  await new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      stop();
      // The recorder's own last words say why (e.g. "sox FAIL ...: no default audio device configured").
      const lines = stderr.split('\n').slice(stderr.length >= STDERR_KEPT ? 1 : 0); // first may be cut
      const said = lines
        .filter((line) => line.trim() !== '')
        .slice(-3)
        .join('\n');
      reject(error instanceof Error ? error : new Error(`${String(error).split('\n')[0]} ${said}`.trim()));
    };
    // The library reports a killed recorder (our own stop) as an error too: ignore errors once stopping.
    stream.on('error', (error) => stopping || fail(error));
    recording.process.on('error', (error) => stopping || fail(error));
    options.signal.addEventListener('abort', stop, { once: true });
    if (options.signal.aborted) stop();
    void exited.then(() => options.signal.removeEventListener('abort', stop));
    // Sends run one after another on this chain: 'end' can fire while the last chunk's frames are still
    // being sent (pause() does not hold it back), so the tail must queue behind them.
    let sending = Promise.resolve();
    stream.on('data', (chunk: Buffer) => {
      stream.pause();
      const joined = new Uint8Array(pending.byteLength + chunk.byteLength);
      joined.set(pending);
      joined.set(chunk, pending.byteLength);
      const whole = joined.byteLength - (joined.byteLength % FRAME_BYTES);
      pending = joined.slice(whole);
      sending = sending.then(async () => {
        for (let at = 0; at < whole; at += FRAME_BYTES)
          await send(joined.subarray(at, at + FRAME_BYTES), false);
        stream.resume();
      });
      sending.catch(fail);
    });
    stream.on('end', () => {
      const tail = pending.subarray(0, pending.byteLength - (pending.byteLength % 2));
      sending
        .then(() => send(tail, true))
        .then(() => exited)
        .then((code) => (stopping || code === 0 ? resolve() : fail(`exited with code ${code}.`)), fail);
    });
  });
}

const micSpec = {
  usage: 'voxstream mic [options]',
  flags: {
    ...sessionFlags,
    recorder: {
      type: 'string',
      valueName: 'sox|rec|arecord',
      description: 'recording program (default: the first found)',
    },
    device: {
      type: 'string',
      valueName: 'name',
      description: 'input device for the recorder (default: the system default)',
    },
  },
  positionals: { names: [], required: 0 },
} as const satisfies CommandSpec<Record<string, FlagSpec>>;

/**
 * `voxstream mic [--url ws://localhost:8080] [--context name] [--opus] [--json] [--save-reply out.wav]
 * [--token T] [--recorder sox|rec|arecord] [--device name]`: records 16 kHz mono from the microphone with
 * node-record-lpcm16, streams it live and prints the events. The first Ctrl-C stops recording (the server
 * finishes the utterance and ends the session), a second one closes at once.
 * @param argv - the arguments after `mic`
 * @param io - output and Ctrl-C; default the process's
 * @param pathEnv - where to look for the recorder; default `process.env.PATH`
 * @returns 0 on a clean end, 1 on an error, 2 on bad usage or when no recorder program is installed
 */
export async function micCommand(argv: string[], io: CliIo = processIo, pathEnv?: string): Promise<number> {
  const parsed = parseOrExit(argv, micSpec, 'mic', io);
  if (typeof parsed === 'number') return parsed;
  const { flags } = parsed;
  const wanted =
    flags.recorder === undefined ? recorders : recorders.filter((r) => r.recorder === flags.recorder);
  if (wanted.length === 0) {
    io.err(`voxstream mic: --recorder must be sox, rec or arecord, got "${flags.recorder}"`);
    return exitCodes.usage;
  }
  let found: (typeof recorders)[number] | undefined;
  for (const candidate of wanted) {
    if ((await findExecutable(candidate.binary, pathEnv)) !== null) {
      found = candidate;
      break;
    }
  }
  if (found === undefined) {
    const names = wanted.map((r) => r.binary).join(', ');
    io.err(
      `voxstream mic: no recording program found on PATH (looked for ${names}).\n` +
        'Install SoX (e.g. `apt install sox`, `brew install sox`) or ALSA utils (`apt install alsa-utils`).',
    );
    return exitCodes.usage;
  }
  const { record } = createRequire(import.meta.url)('node-record-lpcm16') as RecordModule;
  const recorder = found.recorder;
  return runPrinted({
    command: 'mic',
    flags,
    io,
    start: {
      audio: { encoding: flags.opus ? 'opus' : 'pcm_s16le', sampleRate: MIC_RATE },
      ...(flags.context === undefined ? {} : { context: flags.context }),
      reply: flags.opus ? { encoding: 'opus', sampleRate: 16000 } : { encoding: 'pcm_s16le' },
      partials: true,
    },
    feed: () => async (client, signal) => {
      io.err(`listening with ${recorder}; press Ctrl-C to stop`);
      const recording = record({
        sampleRate: MIC_RATE,
        channels: 1,
        recorder,
        audioType: 'raw',
        ...(flags.device === undefined ? {} : { device: flags.device }),
      });
      try {
        await recordInto(recording, client, { opus: flags.opus === true, signal });
      } catch (error) {
        if (error instanceof ClientError) throw error;
        throw new Error(
          `recorder ${recorder} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
  });
}
