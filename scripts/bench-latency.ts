/**
 * Latency benchmark of one live session: 24 different commands spoken into one socket in real time,
 * with natural pauses, exactly as a device would. Prints JSON with p50/p95 of
 *   - speech end → `intent`           (client clock: last non-silent chunk sent → intent received)
 *   - speech end → first reply audio  (→ first binary reply frame received)
 *   - partial lag                     (partial received − when the audio it covers was sent)
 *   - partial interval while speaking (largest gap between partials within an utterance)
 * and how many intents were right.
 *
 *   npx tsx scripts/bench-latency.ts [--url ws://host:port] [--utterances 24] [--context smart_home]
 *
 * Without --url it starts a server in this process on a free port. Commands are generated from the
 * context (seed 7) and spoken by the npm espeak-ng voice en-us+m3, which is not the server's reply voice.
 */
import { parseArgs } from 'node:util';
import { VoxClient, prepareAudio } from '../src/client/index.ts';
import { generateSentences, loadContext } from '../src/context/index.ts';
import { VoxServer } from '../src/server/index.ts';
import { closeSpeech, speech } from '../test/helpers/speech.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    utterances: { type: 'string', default: '24' },
    context: { type: 'string', default: 'smart_home' },
    pause: { type: 'string', default: '1200' },
  },
});
const n = Number(values.utterances);
const server = values.url ? null : await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
const url = values.url ?? `ws://127.0.0.1:${server?.port}/`;
const sentences = generateSentences(await loadContext(values.context as string), n, 7);

const client = await VoxClient.connect(url);
await client.start({
  audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
  context: values.context as string,
});
const sentAt: number[] = []; // wall time each 20 ms chunk of the session was sent
const perUtterance: {
  text: string;
  right: boolean;
  intentMs: number;
  firstAudioMs: number | null;
  maxPartialGapMs: number;
}[] = [];
const partialLags: number[] = [];
let current: {
  speechEnd: number;
  intent?: number;
  firstAudio?: number;
  partials: number[];
  done?: () => void;
  result?: unknown;
} | null = null;

client.events.subscribe((e) => {
  if (!current) return;
  if (e.type === 'partial' && 'atMs' in e) {
    current.partials.push(e.receivedAt);
    const chunk = Math.min(sentAt.length - 1, Math.ceil(e.atMs / 20) - 1);
    if (chunk >= 0) partialLags.push(e.receivedAt - (sentAt[chunk] as number));
  } else if (e.type === 'intent') {
    current.intent = e.receivedAt;
    current.result = e;
  } else if (e.type === 'audio' && current.firstAudio === undefined) {
    current.firstAudio = e.receivedAt;
  } else if (e.type === 'metrics') {
    current.done?.();
  }
});

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));
const t0 = performance.now() + 50;
for (const [i, s] of sentences.entries()) {
  const audio = prepareAudio(await speech(s.text, 200), {
    encoding: 'pcm_s16le',
    sampleRate: 16000,
    trailingSilenceMs: Number(values.pause),
  });
  const done = new Promise<void>((resolve) => {
    current = { speechEnd: Infinity, partials: [], done: resolve };
  });
  for (const [k, chunk] of audio.chunks.entries()) {
    await sleepUntil(t0 + sentAt.length * 20);
    await client.sendAudio(chunk);
    sentAt.push(performance.now());
    if (k === audio.speechEndChunk && current)
      (current as { speechEnd: number }).speechEnd = performance.now();
  }
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  const c = current as unknown as {
    speechEnd: number;
    intent?: number;
    firstAudio?: number;
    partials: number[];
    result?: { intent: string | null; slots: Record<string, string> };
  };
  const gaps = c.partials
    .slice(1)
    .map((p, k) => p - (c.partials[k] as number))
    .filter((g) => g < 1000);
  perUtterance.push({
    text: s.text,
    right:
      c.result?.intent === s.intent &&
      JSON.stringify(c.result?.slots) === JSON.stringify(Object.fromEntries(Object.entries(s.slots))),
    intentMs: (c.intent ?? NaN) - c.speechEnd,
    firstAudioMs: c.firstAudio === undefined ? null : c.firstAudio - c.speechEnd,
    maxPartialGapMs: gaps.length ? Math.max(...gaps) : NaN,
  });
  process.stderr.write(`${JSON.stringify({ event: 'utterance', i, ...perUtterance.at(-1) })}\n`);
}
client.stop();
await client.closed;

const pct = (xs: number[], p: number) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length
    ? Math.round((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) * 10) / 10
    : null;
};
const intent = perUtterance.map((u) => u.intentMs);
const audio = perUtterance.map((u) => u.firstAudioMs ?? NaN);
const gaps = perUtterance.map((u) => u.maxPartialGapMs);
console.log(
  JSON.stringify(
    {
      utterances: perUtterance.length,
      right: perUtterance.filter((u) => u.right).length,
      speechEndToIntentMs: { p50: pct(intent, 50), p95: pct(intent, 95) },
      speechEndToFirstAudioMs: { p50: pct(audio, 50), p95: pct(audio, 95) },
      partialLagMs: { p50: pct(partialLags, 50), p95: pct(partialLags, 95), n: partialLags.length },
      maxPartialGapWhileSpeakingMs: { p50: pct(gaps, 50), p95: pct(gaps, 95) },
    },
    null,
    2,
  ),
);
await closeSpeech();
await server?.close();
