import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VoxServer } from '../../src/server/index.ts';

let server: VoxServer;

beforeAll(async () => {
  server = await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'silent' });
});
afterAll(async () => {
  await server?.close();
});

/** A raw socket (no client library) to send exactly the bytes a broken device would. */
async function raw(): Promise<{
  ws: WebSocket;
  next: (type?: string) => Promise<Record<string, unknown>>;
  closed: Promise<number>;
}> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  const queue: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    queue.push(JSON.parse(data.toString()));
    waiters.shift()?.();
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (type?: string): Promise<Record<string, unknown>> => {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => waiters.push(r));
      const m = queue.shift() as Record<string, unknown>;
      if (!type || m['type'] === type) return m;
    }
  };
  return { ws, next, closed };
}

const start = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, ...extra });

describe('bad input gets an error code, and the session or server goes on', () => {
  it('malformed JSON, unknown messages and bad fields', async () => {
    const { ws, next } = await raw();
    ws.send('{not json');
    expect(await next('error')).toMatchObject({ code: 'VX_BAD_MESSAGE', fatal: false });
    ws.send(JSON.stringify({ type: 'dance' }));
    expect(await next('error')).toMatchObject({ code: 'VX_BAD_MESSAGE' });
    ws.send(
      JSON.stringify({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, partials: 'yes' }),
    );
    expect(await next('error')).toMatchObject({ code: 'VX_BAD_MESSAGE' });
    ws.send(start());
    expect(await next()).toMatchObject({ type: 'ready', protocol: 1 });
    ws.close();
  });

  it('audio before start is dropped with VX_NOT_STARTED', async () => {
    const { ws, next } = await raw();
    ws.send(new Uint8Array(640));
    expect(await next('error')).toMatchObject({ code: 'VX_NOT_STARTED', fatal: false });
    ws.send(start());
    expect(await next('ready')).toBeTruthy();
    ws.close();
  });

  it('unsupported encodings and rates', async () => {
    const { ws, next } = await raw();
    ws.send(JSON.stringify({ type: 'start', audio: { encoding: 'mp3', sampleRate: 16000 } }));
    expect(await next('error')).toMatchObject({ code: 'VX_UNSUPPORTED_AUDIO' });
    ws.send(JSON.stringify({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 22050 } }));
    expect(await next('error')).toMatchObject({ code: 'VX_UNSUPPORTED_AUDIO' });
    ws.close();
  });

  it('an unknown context, then a good one on the same socket', async () => {
    const { ws, next } = await raw();
    ws.send(start({ context: 'no_such_context' }));
    expect(await next('error')).toMatchObject({ code: 'VX_UNKNOWN_CONTEXT', fatal: false });
    ws.send(start({ context: 'smart_home' }));
    expect(await next('ready')).toMatchObject({ context: { name: 'smart_home' } });
    ws.close();
  });

  it('a second start while running', async () => {
    const { ws, next } = await raw();
    ws.send(start());
    await next('ready');
    ws.send(start());
    expect(await next('error')).toMatchObject({ code: 'VX_ALREADY_STARTED' });
    ws.close();
  });

  it('odd-length PCM frames and corrupt Opus packets are dropped with their codes', async () => {
    const pcm = await raw();
    pcm.ws.send(start());
    await pcm.next('ready');
    pcm.ws.send(new Uint8Array(641));
    expect(await pcm.next('error')).toMatchObject({ code: 'VX_BAD_AUDIO', fatal: false });
    pcm.ws.close();

    const opus = await raw();
    opus.ws.send(JSON.stringify({ type: 'start', audio: { encoding: 'opus', sampleRate: 16000 } }));
    await opus.next('ready');
    for (let i = 0; i < 5; i++)
      opus.ws.send(Uint8Array.from({ length: 60 }, (_, k) => (k * 37 + i * 11) & 0xff));
    opus.ws.send(new Uint8Array(0));
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await opus.next('error'));
    expect(errors.every((e) => e['code'] === 'VX_BAD_OPUS')).toBe(true);
    opus.ws.send(JSON.stringify({ type: 'stop' }));
    expect(await opus.next('end')).toBeTruthy();
  });

  it('an oversized frame closes that socket with 1009; other sessions are unaffected', async () => {
    const other = await raw();
    other.ws.send(start());
    await other.next('ready');
    const big = await raw();
    big.ws.send(start());
    await big.next('ready');
    big.ws.send(new Uint8Array(server.options.maxFrameBytes + 2));
    expect(await big.closed).toBe(1009);
    other.ws.send(JSON.stringify({ type: 'stop' }));
    expect(await other.next('end')).toMatchObject({ utterances: 0 });
    expect(await other.closed).toBe(1000);
  });
});
