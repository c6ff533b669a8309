import { readFile } from 'node:fs/promises';
import { decodeAudioFile, type DecodedAudio } from '../audio/index.ts';
import { prepareAudio, streamAudio, type AudioChunks } from '../client/audioSource.ts';
import { ClientError } from '../client/errors.ts';
import { EventPrinter } from '../client/eventPrinter.ts';
import { ReplyRecorder, writeReplyWavs } from '../client/replyAudio.ts';
import { runSession, type RunSessionOptions } from '../client/runSession.ts';
import type { StartMessage } from '../protocol/messages.ts';
import { ArgsError, formatUsage, parseArgs, type CommandSpec, type FlagSpec } from './args.ts';

/** Where a command writes and how it learns of Ctrl-C; tests pass their own. */
export interface CliIo {
  /** Writes one line of regular output (events). */
  out: (line: string) => void;
  /** Writes one line of diagnostics. */
  err: (line: string) => void;
  /** Registers a Ctrl-C handler; returns its removal. */
  onInterrupt: (handler: () => void) => () => void;
}

/** Process stdout/stderr and SIGINT. */
export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  onInterrupt: (handler) => {
    process.on('SIGINT', handler);
    return () => void process.off('SIGINT', handler);
  },
};

/** Flags shared by `stream` and `mic`. */
export const sessionFlags = {
  url: { type: 'string', valueName: 'ws-url', description: 'server URL (default ws://localhost:8080)' },
  context: { type: 'string', valueName: 'name', description: "context name or path (default: the server's)" },
  token: { type: 'string', valueName: 'token', description: 'access token (sent as Authorization: Bearer)' },
  opus: {
    type: 'boolean',
    description: 'send 20 ms Opus packets and ask for an Opus reply (default PCM s16le)',
  },
  json: { type: 'boolean', description: 'print one JSON object per line' },
  'no-failover': {
    type: 'boolean',
    description:
      'end on a go-away close (1001, 1006, 1012, 1013) instead of connecting again and sending the unanswered audio again',
  },
  'save-reply': {
    type: 'string',
    valueName: 'out.wav',
    description: 'write the spoken reply as WAV (several replies: out-<utterance>.wav)',
  },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies Record<string, FlagSpec>;

/** How far inside the server's burst allowance `--fast` stays, ms: one 20 ms chunk plus timer and network slack. */
const fastMarginMs = 250;

const streamSpec = {
  usage: 'voxstream stream <file.wav|file.opus> [options]',
  flags: {
    ...sessionFlags,
    realtime: { type: 'boolean', description: 'pace the audio in real time (default)' },
    fast: {
      type: 'boolean',
      description: 'send the audio as fast as the server takes it, within the burst allowance it announces',
    },
    rate: {
      type: 'string',
      valueName: 'Hz',
      description: "wire sample rate (default: the file's if accepted, else 16000)",
    },
    silence: {
      type: 'string',
      valueName: 'ms',
      description: 'silence appended after the file (default 1000)',
    },
  },
  positionals: { names: ['file'], required: 1 },
} as const satisfies CommandSpec<Record<string, FlagSpec>>;

/** Exit codes of the client commands. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Parses `argv` against `spec`, printing the usage on `--help` (exit 0) or an error (exit 2).
 * @returns the parsed arguments, or the exit code to return at once
 */
export function parseOrExit<F extends Readonly<Record<string, FlagSpec>>>(
  argv: readonly string[],
  spec: CommandSpec<F>,
  command: string,
  io: CliIo,
): ReturnType<typeof parseArgs<F>> | number {
  try {
    const parsed = parseArgs(argv, spec);
    if (parsed.flags.help === undefined) return parsed;
    io.out(formatUsage(spec));
    return exitCodes.ok;
  } catch (error) {
    if (!(error instanceof ArgsError)) throw error;
    io.err(`voxstream ${command}: ${error.message}\n\n${formatUsage(spec)}`);
    return exitCodes.usage;
  }
}

/** What {@link runPrinted} needs besides the feed. */
export interface PrintedSessionOptions {
  command: string;
  flags: { url?: string; token?: string; json?: true; 'save-reply'?: string; 'no-failover'?: true };
  start: StartMessage | Omit<StartMessage, 'type'>;
  io: CliIo;
  /** Sends the audio; may mark the speech end on the printer for latency lines. */
  feed: (printer: EventPrinter) => RunSessionOptions['feed'];
}

/**
 * Runs a session that prints every event, saves the reply audio if asked, and ends with a summary.
 * The first Ctrl-C stops sending (the server finishes the utterance), the second closes at once.
 * @returns 0 when the session ended cleanly (see {@link SessionOutcome.clean}), 1 otherwise
 */
export async function runPrinted(options: PrintedSessionOptions): Promise<number> {
  const { command, flags, io } = options;
  const printer = new EventPrinter({ json: flags.json === true, write: io.out });
  const replies = new ReplyRecorder();
  const stop = new AbortController();
  const hard = new AbortController();
  const removeInterrupt = io.onInterrupt(() => (stop.signal.aborted ? hard.abort() : stop.abort()));
  const fail = (message: string): void => io.err(`voxstream ${command}: ${message}`);
  try {
    const outcome = await runSession({
      url: flags.url ?? 'ws://localhost:8080',
      ...(flags.token === undefined ? {} : { client: { token: flags.token } }),
      start: options.start,
      feed: options.feed(printer),
      onEvent: (event) => {
        printer.print(event);
        replies.handle(event);
      },
      stopSignal: stop.signal,
      signal: hard.signal,
      // A drained or restarted server (or one behind a load balancer that died) is not the end of the session.
      failover: flags['no-failover'] === true ? null : {},
    });
    const lost = outcome.failovers.flatMap((moved) => moved.lost);
    if (lost.length > 0) fail(`${lost.length} utterance(s) lost in a failover, not sent again`);
    if (outcome.feedError !== null) fail(`audio input failed: ${outcome.feedError.message}`);
    if (outcome.timedOut) fail('no end from the server in time; closed the connection');
    const path = flags['save-reply'];
    if (path !== undefined) {
      if (replies.replies.size === 0) fail('no reply audio to save');
      for (const written of await writeReplyWavs(replies.replies.values(), path))
        io.err(`saved reply audio to ${written}`);
    }
    const { intentMs, firstAudioMs } = printer.latency;
    const { code, reason } = outcome.closed;
    const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms));
    printer.note(
      'summary',
      {
        clean: outcome.clean,
        close: code,
        reason,
        intentMs: round(intentMs),
        firstAudioMs: round(firstAudioMs),
      },
      `${outcome.clean ? 'clean end' : 'session failed'}, closed ${code}${reason === '' ? '' : ` (${reason})`}` +
        (intentMs === null ? '' : `, intent +${Math.round(intentMs)} ms`) +
        (firstAudioMs === null ? '' : `, first audio +${Math.round(firstAudioMs)} ms after speech end sent`),
    );
    return outcome.clean && lost.length === 0 ? exitCodes.ok : exitCodes.failed;
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    fail(error.message);
    return exitCodes.failed;
  } finally {
    removeInterrupt();
  }
}

/**
 * `voxstream stream <file> [--url ws://localhost:8080] [--context name] [--opus] [--realtime|--fast] [--json]
 * [--save-reply out.wav] [--token T] [--rate Hz] [--silence ms]`: decodes a WAV (any rate, stereo downmixed)
 * or Ogg Opus file, streams it with trailing silence, prints the events, and saves the reply audio.
 * @param argv - the arguments after `stream`
 * @param io - output and Ctrl-C; default the process's
 * @returns 0 on a clean end, 1 on any error (file, connection, server `error`, abnormal close), 2 on bad usage
 */
export async function streamCommand(argv: string[], io: CliIo = processIo): Promise<number> {
  const parsed = parseOrExit(argv, streamSpec, 'stream', io);
  if (typeof parsed === 'number') return parsed;
  const { flags } = parsed;
  const usage = (message: string): number => {
    io.err(`voxstream stream: ${message}\n\n${formatUsage(streamSpec)}`);
    return exitCodes.usage;
  };
  if (flags.realtime && flags.fast) return usage('--realtime and --fast exclude each other');
  const rate = flags.rate === undefined ? undefined : Number(flags.rate);
  if (rate !== undefined && !Number.isInteger(rate))
    return usage(`--rate must be an integer in Hz, got "${flags.rate}"`);
  const silenceMs = flags.silence === undefined ? 1000 : Number(flags.silence);
  if (!(silenceMs >= 0)) return usage(`--silence must be a number of ms >= 0, got "${flags.silence}"`);

  const file = parsed.positionals[0] as string;
  let decoded: DecodedAudio;
  try {
    decoded = decodeAudioFile(await readFile(file), file);
  } catch (error) {
    io.err(
      `voxstream stream: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return exitCodes.failed;
  }
  let audio: AudioChunks;
  try {
    audio = prepareAudio(decoded, {
      encoding: flags.opus ? 'opus' : 'pcm_s16le',
      trailingSilenceMs: silenceMs,
      ...(rate === undefined ? {} : { sampleRate: rate }),
    });
  } catch (error) {
    if (error instanceof TypeError) return usage(error.message);
    throw error;
  }
  return runPrinted({
    command: 'stream',
    flags,
    io,
    start: {
      audio: { encoding: audio.encoding, sampleRate: audio.sampleRate },
      ...(flags.context === undefined ? {} : { context: flags.context }),
      reply: flags.opus ? { encoding: 'opus', sampleRate: 16000 } : { encoding: 'pcm_s16le' },
      partials: true,
    },
    feed: (printer) => async (client, signal, ready) => {
      // --fast: as fast as the server takes it, within the burst allowance it announced (a server that says
      // none, older than the field, is not paced); the margin covers one chunk and timer slack.
      const burstMs = ready.audioBurstMs;
      await streamAudio(client, audio, {
        realtime: flags.fast !== true,
        ...(typeof burstMs === 'number' ? { aheadMs: Math.max(0, burstMs - fastMarginMs) } : {}),
        signal,
        onSpeechEndSent: (at) => printer.markSpeechEndSent(at),
      });
    },
  });
}
