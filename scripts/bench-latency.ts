/**
 * Latency benchmark of one live session: commands spoken into one socket in real time, one after another
 * with a pause, exactly as a device would (with `--session-per-command`, a new session for each command, as a
 * client that connects per command does: every command is then a session's first utterance). Two sources of
 * speech:
 *   - synthesized (default): `--utterances` different commands generated from `--context` (seed 7), spoken by
 *     the npm espeak-ng voice of src/bench/utterances.ts `commandVoice` (en-us+f5), not the server's reply voice;
 *   - real recordings (`--recordings DIR`): the first `--limit` rows of a set folder's `manifest.jsonl` and
 *     WAVs as scripts/build_realsets.py writes them (e.g. work/real/sc_report_clean); `--context` is then the
 *     set's context file (e.g. work/real/contexts/speech_commands.yaml), which the server loads as its
 *     default context (a session's `start` names contexts by name only).
 *
 * Speech end → `intent` is measured from three references, all on the client's wall clock unless said:
 *   - `lastSound`:  when the client sent the last chunk above -50 dBFS (prepareAudio's `speechEndChunk`),
 *                   the definition the README's synthetic figures use;
 *   - `lastAudio`:  when it sent the file's last chunk (before the pause); a recording's own trailing
 *                   room noise counts as audio here;
 *   - `serverVad`:  when it sent the audio at the server's `speech_end.atMs` (the VAD's end of speech, in
 *                   stream time) — the chunk that covers that instant;
 * and `serverStage`: the server's own `metrics.stages.intent` (its wall clock, from its speech end).
 * Also: speech end → first reply audio, partial lag (partial received − when the audio it covers was sent),
 * the largest gap between partials within an utterance, and intents right / wrong / not understood (a
 * recording out of the context is right when it is not understood).
 *
 *   npx tsx scripts/bench-latency.ts [--url ws://host:port] [--utterances 24] [--context smart_home|PATH]
 *       [--recordings DIR [--limit 100]] [--pause 1200] [--acoustic-model cmu|ctc] [--out result.json]
 *
 * Without --url it starts `voxstream serve` in a child process on a free port (with `--context` as its
 * default context, and `--acoustic-model` when given). With --url and a context path, start that server
 * with the same `--context`. Progress goes to stderr, the JSON result to stdout (and to --out).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { judge, loadRecordings } from '../src/bench/recordings.ts';
import { startServer } from '../src/bench/server.ts';
import { summary } from '../src/bench/stats.ts';
import { type AudioChunks, type ClientEvent, VoxClient, prepareAudio } from '../src/client/index.ts';
import { generateSentences, loadContext } from '../src/context/index.ts';
import { commandVoice } from '../src/bench/utterances.ts';
import { closeSpeech, speech } from '../test/helpers/speech.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    utterances: { type: 'string', default: '24' },
    context: { type: 'string', default: 'smart_home' },
    pause: { type: 'string', default: '1200' },
    recordings: { type: 'string' },
    limit: { type: 'string', default: '100' },
    'acoustic-model': { type: 'string' },
    'session-per-command': { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npx tsx scripts/bench-latency.ts [--url ws://host:port] [--utterances 24] [--context smart_home|PATH]\n' +
      '    [--recordings DIR [--limit 100]] [--pause 1200] [--acoustic-model cmu|ctc] [--session-per-command]\n' +
      '    [--out result.json]\n' +
      'One live session, real time: speech end -> intent and first reply audio, partial lag (with\n' +
      '--session-per-command, a new session for each command). Without --url it\n' +
      'starts its own server. JSON on stdout (and --out), progress on stderr. More in the header of this file.\n',
  );
  process.exit(0);
}
const chunkMs = 20;
/** How long after its last chunk was sent an item may still be answered, ms. */
const answerTimeoutMs = 5000;
const context = values.context as string;
// Servers take context names in `start`; a path is loaded by the server as its default context.
const sessionContext = /^[\w-]+$/.test(context) ? context : undefined;
const pauseMs = Number(values.pause);

interface Item {
  readonly text: string;
  readonly intent: string | null;
  readonly slots: Readonly<Record<string, string>>;
  readonly file?: string;
  readonly audio: AudioChunks;
}

const wire = { encoding: 'pcm_s16le', sampleRate: 16000, trailingSilenceMs: pauseMs } as const;
const items: Item[] = [];
if (values.recordings) {
  for (const r of await loadRecordings(values.recordings, Number(values.limit))) {
    items.push({
      text: r.text,
      intent: r.intent,
      slots: r.slots,
      file: r.file,
      audio: prepareAudio(r.audio, wire),
    });
  }
} else {
  for (const s of generateSentences(await loadContext(context), Number(values.utterances), 7)) {
    items.push({
      text: s.text,
      intent: s.intent,
      slots: s.slots,
      audio: prepareAudio(await speech(s.text, 200), wire),
    });
  }
  await closeSpeech();
}

const started = values.url
  ? null
  : await startServer([
      ...(sessionContext === undefined ? ['--context', context] : []),
      ...(values['acoustic-model'] ? ['--acoustic-model', values['acoustic-model']] : []),
    ]);
const url = values.url ?? (started as { url: string }).url;

/** What the session said about one utterance the server found. */
interface Heard {
  speechEndAtMs?: number;
  intentAt?: number;
  understood?: boolean;
  intent?: string | null;
  slots?: Record<string, string>;
  transcript?: string;
  firstAudioAt?: number;
  serverIntentMs?: number | undefined;
  /** The server's stage timings of the utterance (`metrics.stages`), ms. */
  stages?: Record<string, number>;
  metrics?: boolean;
  partials: number[];
}

const perCommand = values['session-per-command'] === true;
let sentAt: number[] = []; // wall time each 20 ms chunk of the session was sent
const partialLags: number[] = [];
let heard = new Map<number, Heard>();
let wake: (() => void) | null = null;
const utterance = (n: number): Heard => {
  let h = heard.get(n);
  if (!h) heard.set(n, (h = { partials: [] }));
  return h;
};
/** Wall time at which the client sent the audio at stream time `atMs`. */
const sentAtMs = (atMs: number) =>
  sentAt[Math.max(0, Math.min(sentAt.length - 1, Math.ceil(atMs / chunkMs) - 1))];

const onEvent = (e: ClientEvent): void => {
  if (e.type === 'speech_start') utterance(e.utterance);
  else if (e.type === 'partial') {
    utterance(e.utterance).partials.push(e.receivedAt);
    const at = sentAtMs(e.atMs);
    if (at !== undefined) partialLags.push(e.receivedAt - at);
  } else if (e.type === 'speech_end') utterance(e.utterance).speechEndAtMs = e.atMs;
  else if (e.type === 'intent') {
    Object.assign(utterance(e.utterance), {
      intentAt: e.receivedAt,
      understood: e.understood,
      intent: e.intent,
      slots: e.slots,
      transcript: e.transcript,
    });
  } else if (e.type === 'tts_start') {
    const h = utterance(e.utterance);
    h.firstAudioAt ??= e.receivedAt;
  } else if (e.type === 'metrics') {
    const h = utterance(e.utterance);
    h.metrics = true;
    h.serverIntentMs = e.stages['intent'];
    h.stages = e.stages;
  } else return;
  wake?.();
};

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
const allAnswered = () => [...heard.values()].every((h) => h.metrics);
const records: Record<string, unknown>[] = [];
let next = performance.now() + 50;
/**
 * Opens a session and sends it 300 ms of silence, so that its first item has an onset as every later one has
 * (the previous pause).
 */
const open = async (): Promise<VoxClient> => {
  const opened = await VoxClient.connect(url);
  opened.events.subscribe(onEvent);
  await opened.start({
    audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
    ...(sessionContext !== undefined ? { context: sessionContext } : {}),
  });
  sentAt = [];
  next = Math.max(next, performance.now());
  for (let k = 0; k < 15; k++) {
    await sleepUntil(next);
    await opened.sendAudio(new Uint8Array((16000 * 2 * chunkMs) / 1000));
    sentAt.push(performance.now());
    next += chunkMs;
  }
  return opened;
};
const close = async (c: VoxClient): Promise<void> => {
  c.stop();
  await c.closed;
};
// One session for all commands, as a device that keeps its socket open; or one per command (as a Wyoming
// client connects for each), where every command is a session's first utterance.
let client = await open();
for (const [i, item] of items.entries()) {
  if (perCommand && i > 0) {
    await close(client);
    client = await open();
  }
  heard = new Map();
  const first = sentAt.length;
  for (const chunk of item.audio.chunks) {
    await sleepUntil(next);
    await client.sendAudio(chunk);
    sentAt.push(performance.now());
    next += chunkMs;
  }
  const deadline = performance.now() + answerTimeoutMs;
  while (!allAnswered() && performance.now() < deadline) {
    await Promise.race([new Promise<void>((r) => (wake = r)), sleepUntil(deadline)]);
  }
  wake = null;
  // A late answer delays the next item; resume the real-time clock from now rather than catch up in a burst.
  next = Math.max(next, performance.now());
  const hs = [...heard.values()];
  // The decisive utterance: the last one understood, else the last one answered.
  const decisive = hs.filter((h) => h.understood).at(-1) ?? hs.filter((h) => h.intentAt !== undefined).at(-1);
  const verdict = decisive?.understood
    ? judge(item, decisive as { understood: boolean; intent: string | null; slots: Record<string, string> })
    : item.intent === null
      ? 'right'
      : 'notUnderstood';
  const lastSound = item.audio.speechEndChunk >= 0 ? sentAt[first + item.audio.speechEndChunk] : undefined;
  const lastAudio = sentAt[first + item.audio.audioChunks - 1];
  const serverEnd = decisive?.speechEndAtMs !== undefined ? sentAtMs(decisive.speechEndAtMs) : undefined;
  const since = (t: number | undefined, from: number | undefined) =>
    t !== undefined && from !== undefined ? Math.round((t - from) * 10) / 10 : null;
  const gaps = (decisive?.partials ?? [])
    .slice(1)
    .map((p, k) => p - (decisive?.partials[k] as number))
    .filter((g) => g < 1000);
  const record = {
    i,
    ...(item.file ? { file: item.file } : {}),
    text: item.text,
    expected: item.intent,
    got: decisive?.understood ? decisive.intent : null,
    transcript: decisive?.transcript ?? null,
    verdict,
    answered: decisive !== undefined,
    utterances: hs.length,
    intentMs: {
      lastSound: since(decisive?.intentAt, lastSound),
      lastAudio: since(decisive?.intentAt, lastAudio),
      serverVad: since(decisive?.intentAt, serverEnd),
      serverStage: decisive?.serverIntentMs ?? null,
    },
    firstAudioMs: since(decisive?.firstAudioAt, lastSound),
    serverStages: decisive?.stages ?? null,
    // How far the server's end of speech lies before the file's end (the recording's trailing noise), ms.
    vadEndBeforeFileEndMs: since(lastAudio, serverEnd),
    maxPartialGapMs: gaps.length ? Math.round(Math.max(...gaps) * 10) / 10 : null,
  };
  records.push(record);
  process.stderr.write(`${JSON.stringify({ event: 'utterance', ...record })}\n`);
}
await close(client);
await (started
  ? new Promise((r) => {
      started.child.once('exit', r);
      started.child.kill('SIGTERM');
    })
  : null);

const num = (xs: (number | null | undefined)[]) => xs.map((x) => x ?? NaN);
const ms = (key: string) =>
  summary(num(records.map((r) => (r['intentMs'] as Record<string, number | null>)[key])));
const count = (v: string) => records.filter((r) => r['verdict'] === v).length;
const inContext = records.filter((r) => r['expected'] !== null);
const result = {
  source: values.recordings
    ? { recordings: values.recordings, files: items.length }
    : { synthesized: `espeak-ng ${commandVoice.voice} (seed 7)`, utterances: items.length },
  context,
  acousticModel: values['acoustic-model'] ?? (values.url ? null : 'server default'),
  sessions: perCommand ? 'one per command' : 'one',
  pauseMs,
  utterances: records.length,
  answered: records.filter((r) => r['answered']).length,
  right: count('right'),
  wrong: count('wrong'),
  notUnderstood: count('notUnderstood'),
  inContext: {
    n: inContext.length,
    right: inContext.filter((r) => r['verdict'] === 'right').length,
    wrong: inContext.filter((r) => r['verdict'] === 'wrong').length,
    notUnderstood: inContext.filter((r) => r['verdict'] === 'notUnderstood').length,
  },
  outOfContext: {
    n: records.length - inContext.length,
    rejected: records.filter((r) => r['expected'] === null && r['verdict'] === 'right').length,
    accepted: records.filter((r) => r['expected'] === null && r['verdict'] === 'wrong').length,
  },
  speechEndToIntentMs: {
    lastSound: ms('lastSound'),
    lastAudio: ms('lastAudio'),
    serverVad: ms('serverVad'),
    serverStage: ms('serverStage'),
  },
  speechEndToFirstAudioMs: summary(num(records.map((r) => r['firstAudioMs'] as number | null))),
  vadEndBeforeFileEndMs: summary(num(records.map((r) => r['vadEndBeforeFileEndMs'] as number | null))),
  partialLagMs: summary(partialLags),
  maxPartialGapWhileSpeakingMs: summary(num(records.map((r) => r['maxPartialGapMs'] as number | null))),
};
const text = JSON.stringify(result, null, 2);
if (values.out) writeFileSync(values.out, `${JSON.stringify({ ...result, records }, null, 2)}\n`);
console.log(text);
