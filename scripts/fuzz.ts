/**
 * Property-based fuzzing (fast-check) of the protocol decoder and of live sessions on a real server.
 *
 *   npx tsx scripts/fuzz.ts [--codec-runs 10000] [--session-runs 1000] [--seed N] [--url ws://host:port/]
 *
 * 1. `decodeClientMessage` on arbitrary text, arbitrary JSON, valid `start` messages and mutations of them:
 *    it returns a valid message that survives a JSON round trip, or throws a `VoxError` with a protocol code,
 *    never anything else. `--codec-runs` cases for each of five generators.
 * 2. Live sessions: each case connects and plays a random script of valid, mutated and garbage control
 *    messages, raw text, binary frames (random, bit-flipped speech, oversized), stretches of real speech,
 *    pauses and abrupt closes; then stops and waits for the close. Checked per case: every message is known
 *    JSON with a known error code, no binary outside `tts_start`…`tts_end`, no utterance ends twice (and
 *    after `end`, each ended exactly once), the socket closes in bounded time. At the end: no session or
 *    graph left, the server's accounts balance (accepted = completed + errored + cancelled + abandoned, no
 *    violation), `/healthz` answers, heap growth bounded, no unhandled rejection.
 *
 * Without --url it starts a server in this process (needed for the graph, queue and heap checks). Prints a
 * JSON report on stdout; exits 1 on any failure.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import WebSocket from 'ws';
import { prepareAudio, serverMessageTypes } from '../src/client/index.ts';
import {
  VoxError,
  decodeClientMessage,
  endsUtterance,
  errorCodes,
  opusRates,
  pcmInputRates,
  pcmOutputRates,
} from '../src/protocol/index.ts';
import { VoxServer } from '../src/server/index.ts';
import { closeSpeech, speech } from '../test/helpers/speech.ts';

// ---------------------------------------------------------------------------------------------------------
// The decoder

const audioArb = fc.oneof(
  fc.record({ encoding: fc.constant('pcm_s16le'), sampleRate: fc.constantFrom(...pcmInputRates) }),
  fc.record({ encoding: fc.constant('opus'), sampleRate: fc.constantFrom(...opusRates) }),
);

/** `start` messages the decoder must accept. */
export const validStart = fc.record(
  {
    type: fc.constant('start'),
    audio: audioArb,
    context: fc.constantFrom('smart_home', 'digits', 'coffee_maker', 'no_such_context'),
    slots: fc.dictionary(
      fc.constantFrom('room', 'state', 'color'),
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
      { maxKeys: 2 },
    ),
    slotMode: fc.constantFrom('add', 'replace'),
    reply: fc.record(
      {
        enabled: fc.boolean(),
        encoding: fc.constant('pcm_s16le'),
        sampleRate: fc.constantFrom(...pcmOutputRates),
        voice: fc.constantFrom('en-us', 'en-gb', 'en-us+f3', 'xx-nope'),
      },
      { requiredKeys: [] },
    ),
    partials: fc.boolean(),
    budgets: fc.record(
      { intent: fc.integer({ min: 1, max: 60_000 }), tts: fc.integer({ min: 1, max: 60_000 }) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['type', 'audio'] },
);

type Json = ReturnType<typeof JSON.parse>;

/** A valid `start` with one thing changed: a field dropped, replaced by any JSON value, or one added. */
export const mutatedStart: fc.Arbitrary<Json> = fc
  .tuple(
    validStart,
    fc.nat(),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('drop', 'replace', 'add', 'deep'),
  )
  .map(([start, pick, value, how]) => {
    const copy = JSON.parse(JSON.stringify(start)) as Record<string, Json>;
    const keys = Object.keys(copy);
    const key = keys[pick % keys.length] as string;
    if (how === 'drop') delete copy[key];
    else if (how === 'replace') copy[key] = value;
    else if (how === 'add') copy[`x${pick % 7}`] = value;
    else if (typeof copy['audio'] === 'object')
      (copy['audio'] as Record<string, Json>)[pick % 2 ? 'sampleRate' : 'encoding'] = value;
    return copy;
  });

const codecGenerators: Record<string, fc.Arbitrary<string>> = {
  'any text': fc.string({ unit: 'binary', maxLength: 300 }),
  'any JSON': fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  'typed JSON': fc
    .tuple(
      fc.constantFrom('start', 'stop', 'cancel', 'Start', ''),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    )
    .map(([type, rest]) => JSON.stringify({ ...rest, type })),
  'valid start': validStart.map((v) => JSON.stringify(v)),
  'mutated start': mutatedStart.map((v) => JSON.stringify(v)),
};

/** Throws unless `text` decodes to a message that round-trips, or is refused with a protocol error. */
export function checkDecode(text: string): void {
  let message;
  try {
    message = decodeClientMessage(text);
  } catch (error) {
    if (!(error instanceof VoxError))
      throw new Error(`decoder threw a ${(error as Error)?.constructor?.name}: ${String(error)}`);
    if (error.code !== 'VX_BAD_MESSAGE' && error.code !== 'VX_UNSUPPORTED_AUDIO')
      throw new Error(`decoder threw code ${error.code}`);
    return;
  }
  if (!['start', 'stop', 'cancel'].includes(message.type))
    throw new Error(`decoded an unknown type ${message.type}`);
  const again = decodeClientMessage(JSON.stringify(message));
  if (JSON.stringify(again) !== JSON.stringify(message))
    throw new Error('decoded message does not round-trip');
}

/** Runs every decoder property `runs` times; returns the number of cases. Throws on the first failure. */
export function fuzzCodec(runs: number, seed: number): number {
  for (const [name, arb] of Object.entries(codecGenerators)) {
    fc.assert(fc.property(arb, checkDecode), { numRuns: runs, seed, endOnFailure: false, verbose: 0 });
    // A valid start must not only pass but decode.
    if (name === 'valid start') {
      fc.assert(
        fc.property(validStart, (v) => decodeClientMessage(JSON.stringify(v)).type === 'start'),
        { numRuns: Math.ceil(runs / 10), seed },
      );
    }
  }
  return runs * Object.keys(codecGenerators).length + Math.ceil(runs / 10);
}

// ---------------------------------------------------------------------------------------------------------
// Live sessions

type Action =
  | { readonly k: 'text'; readonly text: string }
  | { readonly k: 'rawtext'; readonly bytes: Uint8Array }
  | { readonly k: 'bin'; readonly bytes: Uint8Array }
  | { readonly k: 'flip'; readonly chunk: number; readonly bits: readonly number[] }
  | { readonly k: 'speech'; readonly from: number; readonly n: number }
  | { readonly k: 'wait'; readonly ms: number }
  | { readonly k: 'ready' }
  | { readonly k: 'close'; readonly terminate: boolean };

const plainStart = JSON.stringify({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 } });

const startText = fc.oneof(
  { weight: 6, arbitrary: fc.constant(plainStart) },
  { weight: 2, arbitrary: validStart.map((v) => JSON.stringify(v)) },
  { weight: 2, arbitrary: mutatedStart.map((v) => JSON.stringify(v)) },
);

function actionArb(speechChunks: number): fc.Arbitrary<Action> {
  return fc.oneof(
    { weight: 5, arbitrary: startText.map((text): Action => ({ k: 'text', text })) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom('{"type":"stop"}', '{"type":"cancel"}')
        .map((text): Action => ({ k: 'text', text })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.json({ maxDepth: 2 }))
        .map((text): Action => ({ k: 'text', text })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes): Action => ({ k: 'rawtext', bytes })),
    },
    {
      weight: 3,
      arbitrary: fc.uint8Array({ maxLength: 1200 }).map((bytes): Action => ({ k: 'bin', bytes })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.nat({ max: speechChunks - 1 }),
          fc.array(fc.nat({ max: 639 * 8 }), { minLength: 1, maxLength: 16 }),
        )
        .map(([chunk, bits]): Action => ({ k: 'flip', chunk, bits })),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.nat({ max: speechChunks - 1 }), fc.integer({ min: 1, max: 160 }))
        .map(([from, n]): Action => ({ k: 'speech', from, n })),
    },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }).map((ms): Action => ({ k: 'wait', ms })) },
    { weight: 2, arbitrary: fc.constant<Action>({ k: 'ready' }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(65_537, 140_000)
        .map((n): Action => ({ k: 'bin', bytes: new Uint8Array(n) })),
    },
    { weight: 1, arbitrary: fc.boolean().map((terminate): Action => ({ k: 'close', terminate })) },
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const okCloseCodes = new Set([1000, 1001, 1005, 1006, 1007, 1008, 1009, 1011, 1013]);

/** What the session cases saw, summed. */
export interface SessionFuzzStats {
  cases: number;
  messages: number;
  utterances: number;
  errorsByCode: Record<string, number>;
  closeCodes: Record<string, number>;
}

/** Plays one script against the server and checks what comes back; throws describing a violation. */
async function runCase(
  url: string,
  actions: readonly Action[],
  speechChunks: readonly Uint8Array[],
  stats: SessionFuzzStats,
): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  const messages: { type: string; code?: string; utterance?: number }[] = [];
  const problems: string[] = [];
  let inReply = false;
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      if (!inReply) problems.push('binary frame outside tts_start…tts_end');
      return;
    }
    let m: { type: string; code?: string; utterance?: number };
    try {
      m = JSON.parse(data.toString('utf8'));
    } catch {
      problems.push('a text frame that is not JSON');
      return;
    }
    if (!serverMessageTypes.has(m.type)) problems.push(`unknown message type ${m.type}`);
    if (m.type === 'error' && !(String(m.code) in errorCodes)) problems.push(`unknown error code ${m.code}`);
    if (m.type === 'tts_start') inReply = true;
    if (m.type === 'tts_end' || m.type === 'tts_interrupted') inReply = false;
    messages.push(m);
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const opened = await Promise.race([
    new Promise<boolean>((resolve) => ws.once('open', () => resolve(true))),
    closed.then(() => false),
  ]);
  if (!opened) throw new Error('connection refused');
  const isOpen = () => ws.readyState === WebSocket.OPEN;
  let clientClosed = false;
  for (const a of actions) {
    if (!isOpen()) break;
    switch (a.k) {
      case 'text':
        ws.send(a.text);
        break;
      case 'rawtext':
        ws.send(a.bytes, { binary: false }); // possibly invalid UTF-8 in a text frame
        break;
      case 'bin':
        ws.send(a.bytes);
        break;
      case 'flip': {
        const chunk = Uint8Array.from(speechChunks[a.chunk] as Uint8Array);
        for (const bit of a.bits) chunk[bit >> 3] = (chunk[bit >> 3] as number) ^ (1 << (bit & 7));
        ws.send(chunk);
        break;
      }
      case 'speech':
        for (let i = a.from; i < Math.min(speechChunks.length, a.from + a.n) && isOpen(); i++)
          ws.send(speechChunks[i] as Uint8Array);
        break;
      case 'wait':
        await sleep(a.ms);
        break;
      case 'ready': {
        // As a real client does: wait for the answer to `start` (or give up after a while).
        const seen = messages.length;
        const until = performance.now() + 500;
        while (
          isOpen() &&
          performance.now() < until &&
          !messages.slice(seen).some((m) => m.type === 'ready' || m.type === 'error')
        )
          await sleep(5);
        break;
      }
      case 'close':
        clientClosed = true;
        if (a.terminate) ws.terminate();
        else ws.close(1000);
        break;
    }
  }
  if (isOpen()) ws.send('{"type":"stop"}');
  // After `stop` the session answers what it has and closes; a session still waiting for `start` closes at once.
  const code = await Promise.race([closed, sleep(15_000).then(() => null)]);
  if (code === null) {
    ws.terminate();
    throw new Error(`no close within 15 s of stop; saw ${messages.map((m) => m.type).join(',')}`);
  }
  if (!okCloseCodes.has(code)) problems.push(`close code ${code}`);
  const endings = new Map<number, number>();
  for (const m of messages) {
    if (m.type === 'speech_start')
      endings.set(m.utterance as number, endings.get(m.utterance as number) ?? 0);
    if (
      m.type === 'intent' ||
      (m.type === 'error' && endsUtterance(m as { code: string; utterance?: number }))
    ) {
      endings.set(m.utterance as number, (endings.get(m.utterance as number) ?? 0) + 1);
    }
  }
  for (const [u, n] of endings) {
    if (n > 1) problems.push(`utterance ${u} ended ${n} times`);
    if (n === 0 && !clientClosed && messages.some((m) => m.type === 'end'))
      problems.push(`utterance ${u} never ended before end`);
  }
  stats.cases++;
  stats.messages += messages.length;
  stats.utterances += endings.size;
  for (const m of messages)
    if (m.type === 'error')
      stats.errorsByCode[m.code as string] = (stats.errorsByCode[m.code as string] ?? 0) + 1;
  stats.closeCodes[code] = (stats.closeCodes[code] ?? 0) + 1;
  if (problems.length > 0)
    throw new Error(`${problems.join('; ')} (messages: ${messages.map((m) => m.code ?? m.type).join(',')})`);
}

/** 16 kHz PCM s16le speech in 20 ms chunks: two commands with silence after each. */
export async function speechChunks(): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const text of ['turn on the lights in the kitchen', 'set a timer for five minutes']) {
    out.push(...prepareAudio(await speech(text), { encoding: 'pcm_s16le', sampleRate: 16000 }).chunks);
  }
  return out;
}

/** Runs `runs` session scripts against `url`; throws (after shrinking) on the first failing one. */
export async function fuzzSessions(
  url: string,
  runs: number,
  seed: number,
  chunks: readonly Uint8Array[],
): Promise<SessionFuzzStats> {
  const stats: SessionFuzzStats = { cases: 0, messages: 0, utterances: 0, errorsByCode: {}, closeCodes: {} };
  await fc.assert(
    fc.asyncProperty(
      // Most scripts begin as a client should (a plain `start`, then waiting for `ready`); the rest anyhow.
      fc.oneof(
        { weight: 3, arbitrary: fc.constant<Action[]>([{ k: 'text', text: plainStart }, { k: 'ready' }]) },
        { weight: 1, arbitrary: fc.constant<Action[]>([]) },
      ),
      fc.array(actionArb(chunks.length), { minLength: 1, maxLength: 24 }),
      (prefix, actions) => runCase(url, [...prefix, ...actions], chunks, stats),
    ),
    { numRuns: runs, seed },
  );
  return stats;
}

/** Forces a full garbage collection (exposing `gc` at run time), for honest heap figures. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The server's state after fuzzing: what must be back to zero, and whether its accounts balance. */
export async function serverSettled(
  server: VoxServer,
  timeoutMs = 20_000,
): Promise<{ ok: boolean; detail: Record<string, number | boolean> }> {
  const until = performance.now() + timeoutMs;
  const m = server.engine.metrics;
  const read = () => {
    const outcome = (o: string) => m.utterances.get({ outcome: o });
    const accepted = m.utterancesAccepted.get();
    const ended = outcome('completed') + outcome('errored') + outcome('cancelled') + outcome('abandoned');
    return {
      sessions: server.sessionCount,
      liveGraphs: server.liveGraphs,
      asrQueued: server.engine.acoustic.queued(),
      vadQueued: server.engine.vadBatcher.queued,
      accepted,
      completed: outcome('completed'),
      errored: outcome('errored'),
      cancelled: outcome('cancelled'),
      abandoned: outcome('abandoned'),
      violations: m.accountingViolations.get(),
      balanced: accepted === ended,
    };
  };
  let d = read();
  while (
    performance.now() < until &&
    (d.sessions > 0 || d.liveGraphs > 0 || d.asrQueued > 0 || d.vadQueued > 0 || !d.balanced)
  ) {
    await sleep(50);
    d = read();
  }
  const ok =
    d.sessions === 0 &&
    d.liveGraphs === 0 &&
    d.asrQueued === 0 &&
    d.vadQueued === 0 &&
    d.balanced &&
    d.violations === 0;
  return { ok, detail: d };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'codec-runs': { type: 'string', default: '10000' },
      'session-runs': { type: 'string', default: '1000' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      url: { type: 'string' },
    },
  });
  const seed = Number(values.seed);
  const unhandled: string[] = [];
  process.on('unhandledRejection', (e) => unhandled.push(String((e as Error)?.stack ?? e)));
  const report: Record<string, unknown> = { seed };
  let failed = false;

  const t0 = performance.now();
  try {
    report['codecCases'] = fuzzCodec(Number(values['codec-runs']), seed);
  } catch (error) {
    failed = true;
    report['codecFailure'] = (error as Error).message;
  }
  report['codecMs'] = Math.round(performance.now() - t0);

  const server = values.url
    ? null
    : await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
  const url = values.url ?? `ws://127.0.0.1:${server?.port}/`;
  const chunks = await speechChunks();
  // Warm-up so that the heap baseline includes the models' and the first session's one-off allocations.
  await fuzzSessions(url, 20, seed + 1, chunks);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const t1 = performance.now();
  try {
    report['session'] = await fuzzSessions(url, Number(values['session-runs']), seed, chunks);
  } catch (error) {
    failed = true;
    report['sessionFailure'] = (error as Error).message;
  }
  report['sessionMs'] = Math.round(performance.now() - t1);
  if (server) {
    const settled = await serverSettled(server);
    report['server'] = settled.detail;
    if (!settled.ok) failed = true;
    collectGarbage();
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    report['heapGrowthMb'] = Math.round(heapGrowthMb * 10) / 10;
    report['rssMb'] = {
      before: Math.round(rssBefore / 1e6),
      after: Math.round(process.memoryUsage().rss / 1e6),
    };
    if (heapGrowthMb > 32) failed = true;
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`)
      .then((r) => r.status)
      .catch(() => 0);
    report['healthz'] = health;
    if (health !== 200) failed = true;
    await server.close();
  }
  await closeSpeech();
  report['unhandledRejections'] = unhandled.length;
  if (unhandled.length > 0) {
    failed = true;
    report['firstUnhandled'] = unhandled[0];
  }
  report['ok'] = !failed;
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
