/**
 * Abuse test: replays, against a real server in a child process, the requests of issue 16 that once cost the
 * server far more than they cost the client, while a canary session streams commands in real time throughout:
 *
 *   1. voices: `start` with many distinct reply voice names, offered and made up (`en-us+x1`, …);
 *   2. slots: many sessions at once, each `start` with its own slot values (the most allowed, and some over);
 *   3. idle: connections that send only control messages and undecodable frames, started or not;
 *   4. bad frames: a burst of 1-byte binary frames;
 *   5. paths: context names and slot values that once made errors show where the server keeps its files;
 *   6. tokens, endings, drain: a token with `exp` in milliseconds, a session ended by a TCP reset, and
 *      `/readyz` and upgrades while the server drains (SIGTERM) with the canary mid-utterance.
 *
 *   npx tsx scripts/abuse.ts [--voices 100] [--flood-sessions 80] [--idle-timeout-ms 3000] [--seed 1]
 *
 * It checks, and exits 1 unless all hold: resident memory after the voice names within `--max-rss-growth-mb`
 * (50) of before; the canary (a real recording, test/fixtures/real-speech/goforward.wav, in its context) right
 * every time, and its speech end → intent p95 (the server's `metrics.stages.intent`) during the slot flood
 * within `--canary-budget-ms` and within twice its p95 before any abuse plus 50 ms. The budget is 1000 ms by
 * default: the recording's utterance ends at the 700 ms silence endpoint (the early endpoint does not take
 * it), plus the 300 ms intent budget. Idle connections closed with
 * `VX_IDLE_TIMEOUT` within the idle timeout plus 1.5 s (the session's limit timer checks every second at most); the bad-frame burst ended with a fatal `VX_BAD_AUDIO`
 * after at most 10 errors; no server path in any error text; the token refused; the reset counted as
 * `client_gone`; `/readyz` and upgrades 503 while draining (`/healthz`, liveness, still 200); the utterance ledger balanced. JSON on stdout.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { VoxClient, prepareAudio, streamAudio } from '../src/client/index.ts';
import { decodeWav } from '../src/audio/index.ts';
import { Canary } from './abuse/canary.ts';
import { ChildServer } from './abuse/childServer.ts';

/** Settings of {@link runAbuse}. */
export interface AbuseOptions {
  /** Distinct reply voice names tried (offered and made up, alternately). */
  voices: number;
  /** Sessions started at once, each with its own slot values. */
  floodSessions: number;
  /** Slot values each flood session gives (the server's limit is 100). */
  slotValues: number;
  idleTimeoutMs: number;
  /** Undecodable frames sent in one burst. */
  badFrames: number;
  seed: number;
  /** Canary utterances measured before any abuse, as its baseline. */
  quietUtterances: number;
  maxRssGrowthMb: number;
  /** The canary's `speech_end` → `intent` p95 allowed during the flood, ms. */
  canaryBudgetMs: number;
  /** …and as a multiple of its p95 before any abuse (plus 50 ms). */
  canaryStallFactor: number;
  /** Progress lines on stderr. */
  log?: (line: string) => void;
}

export const defaultAbuseOptions: AbuseOptions = {
  voices: 100,
  floodSessions: 80,
  slotValues: 100,
  idleTimeoutMs: 3000,
  badFrames: 1000,
  seed: 1,
  quietUtterances: 4,
  maxRssGrowthMb: 50,
  canaryBudgetMs: 1000,
  canaryStallFactor: 2,
};

/** What an abuse run found. */
export interface AbuseReport {
  readonly ok: boolean;
  readonly failures: string[];
  readonly voices: Record<string, number | string>;
  readonly slots: Record<string, number | string>;
  readonly idle: Record<string, number | string>;
  readonly badFrames: Record<string, number | string>;
  readonly paths: { readonly errors: number; readonly leaks: string[] };
  readonly tokens: Record<string, number | string>;
  readonly drain: Record<string, number | string>;
  readonly ledger: Record<string, number | boolean>;
}

const root = fileURLToPath(new URL('../', import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
type Json = Record<string, unknown>;

/** A small deterministic PRNG (mulberry32), so that a seed replays the same names and values. */
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

/** A raw socket: every text message kept, the close code awaited. */
interface Raw {
  readonly ws: WebSocket;
  readonly messages: Json[];
  readonly closed: Promise<number>;
  next(type: string, timeoutMs?: number): Promise<Json>;
}

async function open(url: string): Promise<Raw> {
  const ws = new WebSocket(url);
  const messages: Json[] = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(data.toString()) as Json);
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (type: string, timeoutMs = 30_000): Promise<Json> => {
    const seen = messages.length;
    const t0 = performance.now();
    for (;;) {
      const found = messages.slice(seen).find((m) => m['type'] === type || m['type'] === 'error');
      if (found) return found;
      if (performance.now() - t0 > timeoutMs) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await sleep(5);
    }
  };
  return { ws, messages, closed, next };
}

const start = (extra: Json = {}) =>
  JSON.stringify({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, ...extra });

/** Paths that must not appear in an error: this checkout's root, or any absolute path of two or more parts. */
function leaks(text: string): boolean {
  return text.includes(root) || /(^|[\s'"(=])\/[\w.-]+\/[\w.-]+/.test(text);
}

/** Runs every case; never throws for what it finds (that goes in the report). */
export async function runAbuse(options: Partial<AbuseOptions> = {}): Promise<AbuseReport> {
  const o = { ...defaultAbuseOptions, ...options };
  const log = o.log ?? (() => {});
  const random = prng(o.seed);
  const failures: string[] = [];
  const errorTexts: string[] = [];
  const collect = (raw: Raw) => {
    for (const m of raw.messages) if (m['type'] === 'error') errorTexts.push(String(m['message']));
  };
  const wav = decodeWav(
    new Uint8Array(readFileSync(new URL('../test/fixtures/real-speech/goforward.wav', import.meta.url))),
  );
  const clip = prepareAudio(
    { pcm: wav.channels[0] as Float32Array, sampleRate: wav.sampleRate },
    { encoding: 'pcm_s16le', sampleRate: 16000 },
  );
  const server = await ChildServer.start(o.idleTimeoutMs);
  let sids = 0;
  const url = (exp?: number) => server.url(`abuse-${o.seed}-${++sids}`, exp);
  const canary = new Canary();
  const report: { -readonly [K in keyof Omit<AbuseReport, 'ok' | 'failures' | 'paths'>]: AbuseReport[K] } = {
    voices: {},
    slots: {},
    idle: {},
    badFrames: {},
    tokens: {},
    drain: {},
    ledger: {},
  };
  try {
    await canary.start(url(), clip);
    // Its first utterances warm the JIT; the next ones, before any abuse, are its baseline.
    while (canary.intentMs.length < 2) await sleep(100);
    canary.phase = 'quiet';
    while (canary.count('quiet') < o.quietUtterances) await sleep(100);
    canary.phase = 'voices';

    // 1. Voice names: offered ones get ready, others VX_BAD_VOICE; nothing grows.
    const before = server.usage();
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < o.voices; i++) {
      const voice =
        i % 4 === 0
          ? (['en-us', 'en-gb', 'en-us+f3', 'en-us+m3'][(i % 16) >> 2] as string)
          : i % 2 === 0
            ? `en-us+x${Math.floor(random() * 1e6)}`
            : `zz-${Math.floor(random() * 1e6)}`;
      const raw = await open(url());
      raw.ws.send(start({ reply: { voice } }));
      const m = await raw.next('ready');
      const key = m['type'] === 'ready' ? 'ready' : String(m['code']);
      outcomes[key] = (outcomes[key] ?? 0) + 1;
      collect(raw);
      raw.ws.close();
      await raw.closed;
    }
    await sleep(1000);
    const after = server.usage();
    report.voices = {
      names: o.voices,
      ...outcomes,
      rssBeforeMb: before.rssMb,
      rssAfterMb: after.rssMb,
      threadsBefore: before.threads,
      threadsAfter: after.threads,
    };
    if (after.rssMb - before.rssMb > o.maxRssGrowthMb)
      failures.push(`voices: resident memory grew ${Math.round(after.rssMb - before.rssMb)} MB`);
    if (after.threads > before.threads) failures.push(`voices: threads ${before.threads} → ${after.threads}`);
    log(JSON.stringify({ case: 'voices', ...report.voices }));

    // 2. Slot flood: every session its own values, all at once; the canary keeps talking.
    const floodBefore = server.usage();
    canary.phase = 'flood';
    const readyMs: number[] = [];
    const healthMs: number[] = [];
    const flood = Array.from({ length: o.floodSessions }, async (_, s) => {
      const words = ['north', 'south', 'upper', 'lower', 'guest', 'spare', 'front', 'back', 'red', 'blue'];
      const n = s % 10 === 9 ? 1000 : o.slotValues;
      const room = Array.from({ length: n }, (_, i) =>
        `${words[Math.floor(random() * 10)]} room ${s} ${i}`.slice(0, 60),
      );
      const raw = await open(url());
      const t0 = performance.now();
      raw.ws.send(start({ slots: { room } }));
      const m = await raw.next('ready', 120_000);
      if (m['type'] === 'ready') readyMs.push(performance.now() - t0);
      collect(raw);
      return { raw, m };
    });
    const probing = (async () => {
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        await fetch(`http://127.0.0.1:${server.port}/healthz`);
        healthMs.push(performance.now() - t0);
        await sleep(250);
      }
    })();
    const results = await Promise.all(flood);
    await probing;
    // The flood lasts until the canary has answered an utterance begun after the last compile.
    const floodCount = canary.count('flood');
    while (canary.count('flood') < floodCount + 2) await sleep(100);
    canary.phase = 'after';
    const floodAfter = server.usage();
    for (const { raw } of results) raw.ws.close();
    readyMs.sort((a, b) => a - b);
    healthMs.sort((a, b) => a - b);
    const refused = results.filter(({ m }) => m['type'] === 'error').map(({ m }) => String(m['code']));
    report.slots = {
      sessions: o.floodSessions,
      valuesEach: o.slotValues,
      ready: readyMs.length,
      refusedOverLimit: refused.filter((c) => c === 'VX_BAD_CONTEXT').length,
      refusedOther: refused.filter((c) => c !== 'VX_BAD_CONTEXT').join(',') || 'none',
      readyP50Ms: Math.round(readyMs[Math.floor(readyMs.length / 2)] ?? NaN),
      healthzMaxMs: Math.round(healthMs.at(-1) ?? NaN),
      canaryQuietP95Ms: canary.p95('quiet'),
      canaryFloodP95Ms: canary.p95('flood'),
      canaryFloodIntents: canary.count('flood'),
      canaryIntentMs: canary.intentMs.map((x) => `${x.phase[0]}${Math.round(x.ms)}`).join(' '),
      canaryRight: `${canary.intents.filter((i) => i === 'move').length} of ${canary.intents.length}`,
      rssBeforeMb: floodBefore.rssMb,
      rssAfterMb: floodAfter.rssMb,
    };
    if (!(canary.p95('flood') <= o.canaryBudgetMs))
      failures.push(`slots: canary p95 ${canary.p95('flood')} ms during the flood, over ${o.canaryBudgetMs}`);
    // Against its own quiet level too, so that a slow machine cannot hide a stall behind a loose budget.
    const stalled = Math.round(canary.p95('quiet') * o.canaryStallFactor + 50);
    if (!(canary.p95('flood') <= stalled))
      failures.push(
        `slots: canary p95 ${canary.p95('flood')} ms during the flood, over ${stalled} (its quiet level)`,
      );
    if (canary.count('flood') === 0) failures.push('slots: the canary got no intent during the flood');
    const wrong = canary.intents.filter((i) => i !== 'move').length;
    if (wrong > 0)
      failures.push(`slots: the canary was misunderstood ${wrong} times of ${canary.intents.length}`);
    if (refused.some((c) => c !== 'VX_BAD_CONTEXT'))
      failures.push(`slots: refused with ${report.slots['refusedOther']}`);
    log(JSON.stringify({ case: 'slots', ...report.slots }));

    // 3. Idle: only control messages and undecodable frames, started or not.
    const idlers = await Promise.all([open(url()), open(url())]);
    const t0 = performance.now();
    (idlers[1] as Raw).ws.send(start());
    const poke = setInterval(() => {
      for (const [i, raw] of idlers.entries()) {
        if (raw.ws.readyState !== raw.ws.OPEN) continue;
        raw.ws.send(JSON.stringify({ type: 'cancel' }));
        raw.ws.send(new Uint8Array(i === 0 ? 2 : 1));
      }
    }, 500);
    const closedAfter = await Promise.all(
      idlers.map(async (raw) => {
        const code = await Promise.race([raw.closed, sleep(o.idleTimeoutMs + 5000).then(() => -1)]);
        return { code, ms: Math.round(performance.now() - t0), raw };
      }),
    );
    clearInterval(poke);
    for (const [i, { code, ms, raw }] of closedAfter.entries()) {
      collect(raw);
      const last = raw.messages.filter((m) => m['type'] === 'error').at(-1);
      const name = i === 0 ? 'unstarted' : 'started';
      report.idle[`${name}ClosedMs`] = ms;
      report.idle[`${name}Code`] = String(last?.['code'] ?? code);
      if (code !== 1000 || last?.['code'] !== 'VX_IDLE_TIMEOUT' || ms > o.idleTimeoutMs + 1500)
        failures.push(
          `idle: the ${name} connection was not closed by the idle timeout (${code} after ${ms} ms)`,
        );
      raw.ws.terminate();
    }
    report.idle['idleTimeoutMs'] = o.idleTimeoutMs;
    // The flood's sessions are closed by now: what stays is the context cache (bounded in bytes).
    report.slots['rssFloodClosedMb'] = server.usage().rssMb;
    log(JSON.stringify({ case: 'idle', ...report.idle }));

    // 4. A burst of 1-byte frames.
    const bad = await open(url());
    bad.ws.send(start());
    await bad.next('ready');
    for (let i = 0; i < o.badFrames && bad.ws.readyState === bad.ws.OPEN; i++) bad.ws.send(new Uint8Array(1));
    const badClose = await bad.closed;
    collect(bad);
    const badErrors = bad.messages.filter((m) => m['type'] === 'error');
    const fatal = badErrors.find((m) => m['fatal'] === true);
    report.badFrames = {
      sent: o.badFrames,
      errors: badErrors.length,
      fatalCode: String(fatal?.['code'] ?? 'none'),
      closeCode: badClose,
    };
    if (badErrors.length > 11 || fatal?.['code'] !== 'VX_BAD_AUDIO' || badClose !== 1008)
      failures.push(`bad frames: ${JSON.stringify(report.badFrames)}`);
    log(JSON.stringify({ case: 'badFrames', ...report.badFrames }));

    // 5. Paths: names and values that once showed server paths in errors.
    const probe = await open(url());
    for (const extra of [
      { context: 'a'.repeat(512) },
      { context: '__proto__' },
      { context: 'constructor' },
      { slots: { room: ['(bad'] } },
      { slots: { nosuchslot: ['x'] } },
      { slots: { room: ['x'.repeat(200)] } },
    ]) {
      probe.ws.send(start(extra));
      await probe.next('ready');
    }
    collect(probe);
    probe.ws.close();

    // 6. Tokens, endings.
    const msExp = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url(Date.now() + 3_600_000));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => {});
    });
    const goneBefore = await server.metric('voxstream_sessions_total', 'end="client_gone"');
    const reset = await open(url());
    reset.ws.send(start());
    await reset.next('ready');
    (reset.ws as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy();
    // The server counts the ending when it sees the reset, which on a loaded machine (the whole test suite on
    // two cores) can take longer than a fixed 500 ms wait allowed: poll for it, up to 5 s.
    let goneAfter = goneBefore;
    for (const until = performance.now() + 5000; goneAfter === goneBefore && performance.now() < until;) {
      await sleep(100);
      goneAfter = await server.metric('voxstream_sessions_total', 'end="client_gone"');
    }
    const normalReset = await server.metric('voxstream_sessions_total', 'end="normal"');
    report.tokens = {
      msExpStatus: msExp,
      clientGoneCounted: goneAfter - goneBefore,
      normalEndings: normalReset,
    };
    if (msExp !== 401) failures.push(`tokens: exp in ms got HTTP ${msExp}`);
    if (goneAfter - goneBefore !== 1) {
      failures.push(`endings: a TCP reset counted ${goneAfter - goneBefore} client_gone endings, not 1`);
    }
    log(JSON.stringify({ case: 'tokens', ...report.tokens }));

    // The ledger, every other session closed; the canary between utterances is stopped first.
    await canary.stop();
    await canary.client?.close();
    await sleep(500);
    const accepted = await server.metric('voxstream_utterances_accepted_total');
    const ended = await server.metric('voxstream_utterances_total');
    const violations = await server.metric('voxstream_accounting_violations_total');
    const open_ = await server.metric('voxstream_active_sessions');
    report.ledger = {
      accepted,
      ended,
      violations,
      openSessions: open_,
      balanced: accepted === ended && violations === 0,
    };
    if (!report.ledger['balanced'] || accepted === 0)
      failures.push(`ledger: ${JSON.stringify(report.ledger)}`);
    log(JSON.stringify({ case: 'ledger', ...report.ledger }));

    // Drain: a session mid-utterance holds the drain open; meanwhile /readyz and upgrades say 503, /healthz 200.
    const last = await VoxClient.connect(url());
    await last.start({ audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, reply: { enabled: true } });
    const speaking = streamAudio(last, clip, { realtime: true }).catch(() => {});
    await new Promise<void>((resolve) => {
      const sub = last.events.subscribe((e) => {
        if (e.type === 'speech_start') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    server.proc.kill('SIGTERM');
    await sleep(200);
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    const upgrade = await new Promise<number>((resolve) => {
      const ws = new WebSocket(url());
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => resolve(0));
    });
    await speaking;
    report.drain = { readyzStatus: ready, healthzStatus: health, upgradeStatus: upgrade };
    if (ready !== 503 || health !== 200 || upgrade !== 503)
      failures.push(`drain: ${JSON.stringify(report.drain)}`);
    log(JSON.stringify({ case: 'drain', ...report.drain }));
    await last.close().catch(() => {});
  } catch (error) {
    failures.push(`run failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await canary.stop();
    server.proc.kill('SIGKILL');
  }
  const leaked = errorTexts.filter(leaks);
  if (leaked.length > 0) failures.push(`paths: ${leaked.length} error texts name a server path`);
  return {
    ok: failures.length === 0,
    failures,
    ...report,
    paths: { errors: errorTexts.length, leaks: leaked.slice(0, 5) },
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      voices: { type: 'string', default: String(defaultAbuseOptions.voices) },
      'flood-sessions': { type: 'string', default: String(defaultAbuseOptions.floodSessions) },
      'slot-values': { type: 'string', default: String(defaultAbuseOptions.slotValues) },
      'idle-timeout-ms': { type: 'string', default: String(defaultAbuseOptions.idleTimeoutMs) },
      'canary-budget-ms': { type: 'string', default: String(defaultAbuseOptions.canaryBudgetMs) },
      'max-rss-growth-mb': { type: 'string', default: String(defaultAbuseOptions.maxRssGrowthMb) },
      seed: { type: 'string', default: '1' },
    },
  });
  const report = await runAbuse({
    voices: Number(values.voices),
    floodSessions: Number(values['flood-sessions']),
    slotValues: Number(values['slot-values']),
    idleTimeoutMs: Number(values['idle-timeout-ms']),
    canaryBudgetMs: Number(values['canary-budget-ms']),
    maxRssGrowthMb: Number(values['max-rss-growth-mb']),
    seed: Number(values.seed),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return report.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
