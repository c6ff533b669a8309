/**
 * Soak test: sessions connect, stream synthesized commands in real time, and go away — most by `stop`,
 * some by cancelling an utterance, some by disconnecting in the middle of one — for a while, at a rate.
 *
 *   npx tsx scripts/soak.ts [--sessions 8] [--rate 1] [--duration-sec 600] [--seed 1] [--url ws://host:port/]
 *
 * `--sessions` is how many may be open at once, `--rate` how many start per second. Every `--sample-sec`
 * (default 5) it records resident memory, the heap (after a full GC), the process's open handles, open
 * sessions and the server's utterance accounts. At the end it checks, and exits 1 unless all hold:
 *   - nothing lost: accepted = completed + errored + cancelled + abandoned, no accounting violation, and
 *     every utterance a client saw start ended exactly once (at most once when it disconnected first);
 *   - nothing left: no open session or graph, model queues empty, handles back to the baseline;
 *   - no growth: heap and resident memory at the end within limits of their level after warm-up (the first
 *     quarter of the run).
 * Without --url the server runs in this process (needed for the handle, graph and heap checks). Prints a
 * JSON report on stdout.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type AudioChunks,
  type ClientEvent,
  VoxClient,
  prepareAudio,
  streamAudio,
} from '../src/client/index.ts';
import { endsUtterance } from '../src/protocol/index.ts';
import { VoxServer } from '../src/server/index.ts';
import { closeSpeech, speech } from '../test/helpers/speech.ts';
import { collectGarbage, serverSettled } from './fuzz.ts';

/** Settings of {@link runSoak}. */
export interface SoakOptions {
  /** Sessions open at most at once. */
  sessions: number;
  /** Sessions started per second. */
  rate: number;
  durationMs: number;
  /** Seed of the choice of commands and endings. */
  seed: number;
  sampleMs: number;
  /** An external server; default: one in this process. */
  url?: string;
  /** Growth allowed from the post-warm-up level to the end, MB. */
  maxHeapGrowthMb: number;
  maxRssGrowthMb: number;
  /** Progress lines on stderr. */
  log?: (line: string) => void;
}

export const defaultSoakOptions: SoakOptions = {
  sessions: 8,
  rate: 1,
  durationMs: 600_000,
  seed: 1,
  sampleMs: 5000,
  maxHeapGrowthMb: 24,
  maxRssGrowthMb: 128,
};

interface Sample {
  readonly tSec: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly handles: number;
  readonly sessions: number;
  readonly accepted: number;
}

/** What a soak run found. */
export interface SoakReport {
  readonly ok: boolean;
  readonly failures: string[];
  readonly sessionsRun: number;
  /** How the client ended its sessions. */
  readonly endings: Record<'stopped' | 'cancelled' | 'disconnected' | 'failed', number>;
  /** Utterances the clients saw start, and the endings they saw. */
  readonly client: {
    utterances: number;
    intents: number;
    errors: number;
    unended: number;
    endedTwice: number;
  };
  readonly server: Record<string, number | boolean> | null;
  readonly baselineHandles: Record<string, number>;
  readonly finalHandles: Record<string, number>;
  readonly samples: Sample[];
}

const commands = [
  'turn on the lights in the kitchen',
  'set a timer for five minutes',
  'turn off the lights',
  'mute the music',
];

function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

const count = (h: Record<string, number>) => Object.values(h).reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small deterministic PRNG (mulberry32), so that a seed replays the same choices. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the soak; never throws for what it finds (that goes in the report). */
export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o = { ...defaultSoakOptions, ...options };
  const log = o.log ?? (() => {});
  const random = prng(o.seed);
  const clips: AudioChunks[] = [];
  for (const text of commands)
    clips.push(prepareAudio(await speech(text), { encoding: 'pcm_s16le', sampleRate: 16000 }));
  collectGarbage();
  const baselineHandles = handles();
  const server = o.url ? null : await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  const url = o.url ?? `ws://127.0.0.1:${server?.port}/`;
  const endings = { stopped: 0, cancelled: 0, disconnected: 0, failed: 0 };
  const client = { utterances: 0, intents: 0, errors: 0, unended: 0, endedTwice: 0 };
  const failures: string[] = [];
  const samples: Sample[] = [];
  const t0 = performance.now();
  let active = 0;
  let sessionsRun = 0;

  const sample = () => {
    collectGarbage();
    const m = process.memoryUsage();
    const s: Sample = {
      tSec: Math.round((performance.now() - t0) / 100) / 10,
      rssMb: Math.round(m.rss / 1e5) / 10,
      heapMb: Math.round(m.heapUsed / 1e5) / 10,
      handles: count(handles()),
      sessions: server?.sessionCount ?? active,
      accepted: server?.engine.metrics.utterancesAccepted.get() ?? 0,
    };
    samples.push(s);
    log(JSON.stringify(s));
  };

  /** One session: 1–3 commands in real time, then stop — or cancel one, or disconnect in one. */
  const session = async () => {
    const how = random();
    const ending: 'stopped' | 'cancelled' | 'disconnected' =
      how < 0.7 ? 'stopped' : how < 0.85 ? 'cancelled' : 'disconnected';
    const picks = Array.from(
      { length: 1 + Math.floor(random() * 3) },
      () => clips[Math.floor(random() * clips.length)] as AudioChunks,
    );
    const seen = new Map<number, number>();
    let c: VoxClient | undefined;
    try {
      c = await VoxClient.connect(url);
      const cl = c;
      const events: ClientEvent[] = [];
      cl.events.subscribe((e) => events.push(e));
      await cl.start({
        audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
        reply: { enabled: random() < 0.5 },
      });
      const abort = new AbortController();
      const interrupt = ending === 'stopped' ? null : picks.length - 1;
      for (const [i, clip] of picks.entries()) {
        if (i === interrupt) {
          // Mid-utterance: well after its speech started, before it ends.
          const before = events.filter((e) => e.type === 'speech_start').length;
          const started = (async () => {
            while (!abort.signal.aborted && events.filter((e) => e.type === 'speech_start').length === before)
              await sleep(20);
            await sleep(300);
          })();
          const streaming = streamAudio(cl, clip, { realtime: true, signal: abort.signal }).catch(
            () => undefined,
          );
          await Promise.race([started, streaming]);
          if (ending === 'cancelled') {
            cl.cancel();
            await streaming;
          } else {
            abort.abort();
            await cl.close(1000, 'soak: going away');
            break;
          }
        } else {
          await streamAudio(cl, clip, { realtime: true });
        }
      }
      cl.stop();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)));
      await Promise.race([cl.closed, late]);
      clearTimeout(timer);
      if (cl.isOpen) throw new Error('no close within 30 s of stop');
      for (const e of events) {
        if (e.type === 'speech_start') seen.set(e.utterance, seen.get(e.utterance) ?? 0);
        if (e.type === 'intent' || (e.type === 'error' && endsUtterance(e))) {
          seen.set(e.utterance as number, (seen.get(e.utterance as number) ?? 0) + 1);
          if (e.type === 'intent') client.intents++;
          else client.errors++;
        }
      }
      for (const n of seen.values()) {
        client.utterances++;
        if (n > 1) client.endedTwice++;
        if (n === 0 && ending !== 'disconnected') client.unended++;
      }
      endings[ending]++;
    } catch (error) {
      endings.failed++;
      if (failures.length < 10) failures.push(`session failed: ${(error as Error).message}`);
      c?.close();
    }
  };

  const sampler = setInterval(sample, o.sampleMs);
  const running = new Set<Promise<void>>();
  const startEveryMs = 1000 / o.rate;
  let next = performance.now();
  while (performance.now() - t0 < o.durationMs) {
    if (active < o.sessions) {
      active++;
      sessionsRun++;
      const p = session().finally(() => {
        active--;
        running.delete(p);
      });
      running.add(p);
    }
    next += startEveryMs;
    await sleep(Math.max(0, next - performance.now()));
  }
  await Promise.all(running);
  clearInterval(sampler);
  sample();

  let serverDetail: Record<string, number | boolean> | null = null;
  if (server) {
    const settled = await serverSettled(server);
    serverDetail = settled.detail;
    if (!settled.ok)
      failures.push(
        `server did not settle or its accounts do not balance: ${JSON.stringify(settled.detail)}`,
      );
  }
  if (client.endedTwice > 0) failures.push(`${client.endedTwice} utterances ended twice`);
  if (client.unended > 0) failures.push(`${client.unended} utterances never ended`);
  if (endings.failed > 0) failures.push(`${endings.failed} sessions failed`);
  // Growth: the end against the level reached after warm-up (a quarter of the run).
  const warm = samples.find((s) => s.tSec * 1000 >= o.durationMs / 4) ?? samples[0];
  const last = samples.at(-1);
  if (warm && last) {
    if (last.heapMb - warm.heapMb > o.maxHeapGrowthMb)
      failures.push(`heap grew ${Math.round(last.heapMb - warm.heapMb)} MB after warm-up`);
    if (last.rssMb - warm.rssMb > o.maxRssGrowthMb)
      failures.push(`resident memory grew ${Math.round(last.rssMb - warm.rssMb)} MB after warm-up`);
  }
  await server?.close();
  await closeSpeech();
  // Handles: once the server is closed, nothing it or the clients opened may remain.
  let finalHandles = handles();
  for (let i = 0; i < 50 && count(finalHandles) > count(baselineHandles); i++) {
    await sleep(100);
    finalHandles = handles();
  }
  if (server && count(finalHandles) > count(baselineHandles)) {
    failures.push(
      `open handles ${JSON.stringify(finalHandles)} above the baseline ${JSON.stringify(baselineHandles)}`,
    );
  }
  return {
    ok: failures.length === 0,
    failures,
    sessionsRun,
    endings,
    client,
    server: serverDetail,
    baselineHandles,
    finalHandles,
    samples,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string', default: String(defaultSoakOptions.sessions) },
      rate: { type: 'string', default: String(defaultSoakOptions.rate) },
      'duration-sec': { type: 'string', default: String(defaultSoakOptions.durationMs / 1000) },
      seed: { type: 'string', default: '1' },
      'sample-sec': { type: 'string', default: '5' },
      url: { type: 'string' },
    },
  });
  const report = await runSoak({
    sessions: Number(values.sessions),
    rate: Number(values.rate),
    durationMs: Number(values['duration-sec']) * 1000,
    seed: Number(values.seed),
    sampleMs: Number(values['sample-sec']) * 1000,
    ...(values.url ? { url: values.url } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
