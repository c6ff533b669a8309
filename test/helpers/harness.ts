import WebSocket from 'ws';
import { type AudioChunks, prepareAudio } from '../../src/client/index.ts';
import { endsUtterance } from '../../src/protocol/index.ts';
import type { VoxServer } from '../../src/server/index.ts';
import { speech } from './speech.ts';

/** A server message as a test sees it. */
export type Message = {
  type: string;
  utterance?: number;
  code?: string;
  fatal?: boolean;
  [k: string]: unknown;
};

/** One raw connection: what it received and how it closed. */
export interface Raw {
  readonly ws: WebSocket;
  readonly messages: Message[];
  /** Bytes of binary messages received. */
  readonly binaryBytes: () => number;
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first message that matches (or rejects after `timeoutMs`). */
  next(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  send(message: object): void;
}

/**
 * Opens a WebSocket with `ws` itself (no client library in between, so a test can misbehave), or reports the
 * HTTP status the upgrade was refused with.
 */
export function connect(
  url: string,
  options: WebSocket.ClientOptions = {},
): Promise<Raw | { status: number; body: string }> {
  const ws = new WebSocket(url, { perMessageDeflate: false, ...options });
  const messages: Message[] = [];
  const waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  let binary = 0;
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      binary += data.byteLength;
      return;
    }
    const m = JSON.parse(data.toString('utf8')) as Message;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        binaryBytes: () => binary,
        closed,
        send: (message) => ws.send(JSON.stringify(message)),
        next: (match, timeoutMs = 20_000) => {
          const seen = messages.find(match);
          if (seen) return Promise.resolve(seen);
          return new Promise<Message>((res, rej) => {
            const timer = setTimeout(() => rej(new Error('no matching message in time')), timeoutMs);
            waiters.push({
              match,
              resolve: (m) => {
                clearTimeout(timer);
                res(m);
              },
            });
            void closed.then(() => {
              clearTimeout(timer);
              rej(new Error(`socket closed while waiting; got ${messages.map((x) => x.type).join(',')}`));
            });
          });
        },
      }),
    );
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

/** Connects, expecting success. */
export async function open(url: string, options: WebSocket.ClientOptions = {}): Promise<Raw> {
  const r = await connect(url, options);
  if (!('ws' in r)) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
  return r;
}

/** Opens a session: `start` (PCM 16 kHz, smart_home, replies as asked) and waits for `ready`. */
export async function started(
  url: string,
  options: WebSocket.ClientOptions = {},
  reply = false,
): Promise<Raw> {
  const raw = await open(url, options);
  raw.send({
    type: 'start',
    audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
    context: 'smart_home',
    reply: { enabled: reply },
  });
  await raw.next((m) => m.type === 'ready' || m.type === 'error');
  return raw;
}

const spoken = new Map<string, Promise<AudioChunks>>();

/** `text` spoken (test voice) as 20 ms PCM s16le chunks at 16 kHz, with 1 s of silence after it; cached. */
export function chunksOf(text: string): Promise<AudioChunks> {
  let c = spoken.get(text);
  if (!c) {
    c = speech(text).then((s) => prepareAudio(s, { encoding: 'pcm_s16le', sampleRate: 16000 }));
    spoken.set(text, c);
  }
  return c;
}

/** Sends chunks, in real time (20 ms apart) or as fast as possible, until done or `until()` says stop. */
export async function pump(
  raw: Raw,
  chunks: readonly Uint8Array[],
  realtime: boolean,
  until: () => boolean = () => false,
): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; i < chunks.length; i++) {
    if (until() || raw.ws.readyState !== WebSocket.OPEN) return;
    if (realtime) {
      const wait = t0 + i * 20 - performance.now();
      if (wait > 0) await sleep(wait);
    }
    raw.ws.send(chunks[i] as Uint8Array);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `cond` every 20 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The server's utterance accounts, from its metrics. */
export function accounts(server: VoxServer) {
  const m = server.engine.metrics;
  const outcome = (o: string) => m.utterances.get({ outcome: o });
  return {
    accepted: m.utterancesAccepted.get(),
    completed: outcome('completed'),
    errored: outcome('errored'),
    cancelled: outcome('cancelled'),
    abandoned: outcome('abandoned'),
    violations: m.accountingViolations.get(),
  };
}

/** Whether accepted = completed + errored + cancelled + abandoned, with no violation. */
export function balanced(server: VoxServer): boolean {
  const a = accounts(server);
  return a.violations === 0 && a.accepted === a.completed + a.errored + a.cancelled + a.abandoned;
}

/** For each utterance a client saw start: how many endings (intent, or an ending error) it received. */
export function endings(messages: readonly Message[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of messages) {
    if (m.type === 'speech_start') out.set(m.utterance as number, out.get(m.utterance as number) ?? 0);
    const ends =
      m.type === 'intent' || (m.type === 'error' && endsUtterance(m as { code: string; utterance?: number }));
    if (ends) out.set(m.utterance as number, (out.get(m.utterance as number) ?? 0) + 1);
  }
  return out;
}
