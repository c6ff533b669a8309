/**
 * Speech to text over Wyoming beside the WebSocket path, on one server in one run: `--streams` concurrent
 * devices stream the same synthesized commands in real time (20 ms chunks of 16 kHz PCM, then silence), first
 * all over Wyoming, then all over WebSocket, and the latency from speech end to the answer is compared:
 *   - Wyoming, as Home Assistant does it: one connection per command (`transcribe`, `audio-start`, chunks), the
 *     silence streamed until `transcript` comes (the server ends the command itself) or `--max-silence` ms pass,
 *     then `audio-stop`; speech end → `transcript`;
 *   - WebSocket: one session per device, speech end → `intent` (the WebSocket path's answer).
 * Speech end is when the client sent the chunk with the last sound above -50 dBFS (prepareAudio's
 * `speechEndChunk`), on the client's clock, as in bench-latency.ts. Commands are spoken by the npm espeak-ng
 * voice of src/bench/utterances.ts `commandVoice`; the server decodes with the CTC encoder by default (trained
 * on synthesized voices). docs/bench-wyoming.json and -8.json were made with en-us+m3 and CTC,
 * docs/bench-wyoming-cmu*.json with en-us+f5 and `--acoustic-model cmu` (the server's own default).
 *
 *   npx tsx scripts/bench-wyoming.ts [--streams 4] [--utterances 12] [--context smart_home] [--pause 600]
 *       [--max-silence 2500] [--acoustic-model ctc|cmu] [--out result.json]
 *
 * Starts `voxstream serve --wyoming-port PORT --no-zeroconf` in a child process on free ports. Progress goes to
 * stderr, the JSON result to stdout (and to --out).
 */
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { Utterance } from '../src/bench/loadGenerator.ts';
import { startServer } from '../src/bench/server.ts';
import { summary } from '../src/bench/stats.ts';
import { commandPool } from '../src/bench/utterances.ts';
import { type ClientEvent, VoxClient } from '../src/client/index.ts';
import { WyomingClient } from '../src/client/index.ts';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '4' },
    utterances: { type: 'string', default: '12' },
    context: { type: 'string', default: 'smart_home' },
    pause: { type: 'string', default: '600' },
    'max-silence': { type: 'string', default: '2500' },
    'acoustic-model': { type: 'string', default: 'ctc' },
    out: { type: 'string' },
  },
});
const streams = Number(values.streams);
const pauseMs = Number(values.pause);
const maxSilenceMs = Number(values['max-silence']);
const chunkMs = 20;
const silence = new Uint8Array((16000 * 2 * chunkMs) / 1000);
const format = { rate: 16000, width: 2, channels: 1 };

interface Sample {
  /** Speech end → answer, ms; null when none came in time. */
  readonly ms: number | null;
  /** Wyoming: whether the transcript came before audio-stop. */
  readonly early?: boolean;
  /** Whether the answer's words are the command's (the transcript, or the intent's transcript). */
  readonly right: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const words = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');

/**
 * Streams `u` in real time through `send`, then silence until `answered()` or the silence limit.
 * @returns the wall time the last sound chunk was sent
 */
async function speak(
  u: Utterance,
  send: (chunk: Uint8Array) => void,
  answered: () => boolean,
): Promise<number> {
  const start = performance.now();
  let speechEnd = start;
  let i = 0;
  for (; i < u.audio.chunks.length; i++) {
    await sleep(start + i * chunkMs - performance.now());
    send(u.audio.chunks[i] as Uint8Array);
    if (i === u.audio.speechEndChunk) speechEnd = performance.now();
  }
  for (let s = 0; s * chunkMs < maxSilenceMs && !answered(); s++, i++) {
    await sleep(start + i * chunkMs - performance.now());
    send(silence);
  }
  return speechEnd;
}

async function wyomingDevice(
  port: number,
  pool: readonly (Utterance & { text: string })[],
  offset: number,
): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let k = 0; k < pool.length; k++) {
    const u = pool[(k + offset) % pool.length] as Utterance & { text: string };
    const c = await WyomingClient.connect(port);
    let transcriptAt: number | null = null;
    let text = '';
    let stopped = false;
    let early = false;
    c.onEvent((e) => {
      if (e.type !== 'transcript' || transcriptAt !== null) return;
      transcriptAt = performance.now();
      text = String(e.data['text'] ?? '');
      early = !stopped;
    });
    c.send('transcribe', { language: 'en' });
    c.send('audio-start', format);
    const speechEnd = await speak(
      u,
      (chunk) => c.send('audio-chunk', format, chunk),
      () => transcriptAt !== null,
    );
    stopped = true;
    c.send('audio-stop');
    await c.nextOf('transcript', 5000).catch(() => null);
    c.close();
    out.push({
      ms: transcriptAt === null ? null : (transcriptAt as number) - speechEnd,
      early,
      right: words(text) === words(u.text),
    });
    await sleep(pauseMs);
  }
  return out;
}

async function websocketDevice(
  url: string,
  pool: readonly (Utterance & { text: string })[],
  offset: number,
): Promise<Sample[]> {
  const client = await VoxClient.connect(url);
  const intents: { at: number; transcript: string }[] = [];
  client.events.subscribe((e: ClientEvent) => {
    if (e.type === 'intent') intents.push({ at: performance.now(), transcript: e.transcript });
  });
  await client.start({
    audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
    reply: { enabled: false },
    partials: true,
  });
  const out: Sample[] = [];
  for (let k = 0; k < pool.length; k++) {
    const u = pool[(k + offset) % pool.length] as Utterance & { text: string };
    const before = intents.length;
    const speechEnd = await speak(
      u,
      (chunk) => void client.sendAudio(chunk),
      () => intents.length > before,
    );
    for (let t = 0; t < 250 && intents.length === before; t++) await sleep(20);
    const answer = intents[before];
    out.push({
      ms: answer ? answer.at - speechEnd : null,
      right: !!answer && words(answer.transcript) === words(u.text),
    });
    await sleep(pauseMs);
  }
  client.stop();
  return out;
}

function report(samples: readonly Sample[]) {
  const answered = samples.filter((s) => s.ms !== null);
  return {
    speechEndToAnswerMs: summary(answered.map((s) => s.ms as number)),
    commands: samples.length,
    unanswered: samples.length - answered.length,
    right: samples.filter((s) => s.right).length,
  };
}

/** A port free on 127.0.0.1 now (the child binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  process.stderr.write(`speaking ${values.utterances} commands of ${values.context}\n`);
  const sentences = await commandPool(values.context as string, Number(values.utterances), 7);
  const { generateSentences, loadContext } = await import('../src/context/index.ts');
  const texts = generateSentences(await loadContext(values.context as string), Number(values.utterances), 7);
  const pool = sentences.map((u, i) => ({ ...u, text: (texts[i] as { text: string }).text }));
  const extra = [
    '--context',
    values.context as string,
    '--acoustic-model',
    values['acoustic-model'] as string,
  ];
  const port = await freePort();
  const wyomingFlags = ['--wyoming-port', String(port), '--wyoming-host', '127.0.0.1', '--no-zeroconf'];
  const { child, url } = await startServer([...extra, ...wyomingFlags]);
  // The Wyoming listener opens just after the WebSocket one the start-up waits for.
  for (let i = 0; ; i++) {
    const probe = await WyomingClient.connect(port).catch((error: unknown) => {
      if (i >= 100) throw error;
      return null;
    });
    if (probe) {
      probe.close();
      break;
    }
    await sleep(100);
  }
  try {
    process.stderr.write(`wyoming: ${streams} streams on port ${port}\n`);
    const wy = (
      await Promise.all(Array.from({ length: streams }, (_, i) => wyomingDevice(port, pool, i)))
    ).flat();
    process.stderr.write(`websocket: ${streams} streams on ${url}\n`);
    const ws = (
      await Promise.all(Array.from({ length: streams }, (_, i) => websocketDevice(url, pool, i)))
    ).flat();
    const result = {
      bench: 'wyoming-vs-websocket',
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version },
      settings: {
        streams,
        utterances: pool.length,
        context: values.context,
        acousticModel: values['acoustic-model'],
        chunkMs,
        pauseMs,
        maxSilenceMs,
        speechEnd: 'client send time of the last chunk above -50 dBFS',
      },
      wyoming: { ...report(wy), earlyTranscripts: wy.filter((s) => s.early).length },
      websocket: report(ws),
    };
    const json = JSON.stringify(result, null, 2);
    process.stdout.write(`${json}\n`);
    if (values.out) writeFileSync(values.out, `${json}\n`);
  } finally {
    child.kill('SIGTERM');
  }
}

await main();
