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
    big.ws.send(new Uint8Array(server.options.maxMessageBytes + 2));
    expect(await big.closed).toBe(1009);
    other.ws.send(JSON.stringify({ type: 'stop' }));
    expect(await other.next('end')).toMatchObject({ utterances: 0 });
    expect(await other.closed).toBe(1000);
  });

  it('a flood of undecodable messages: a few errors, then the session ends with VX_BAD_AUDIO, 1008', async () => {
    const { ws, next, closed } = await raw();
    const errors: Record<string, unknown>[] = [];
    ws.on('message', (data, isBinary) => {
      if (!isBinary) errors.push(JSON.parse(data.toString()) as Record<string, unknown>);
    });
    ws.send(start());
    await next('ready');
    for (let i = 0; i < 1000 && ws.readyState === ws.OPEN; i++) ws.send(new Uint8Array(1));
    expect(await closed).toBe(1008);
    const sent = errors.filter((m) => m['type'] === 'error');
    expect(sent.filter((m) => m['fatal'] === false).length).toBeLessThanOrEqual(10);
    expect(sent.at(-1)).toMatchObject({ code: 'VX_BAD_AUDIO', fatal: true });
    expect(sent.some((m) => m['code'] === 'VX_BACKPRESSURE')).toBe(false);
    expect(server.engine.metrics.sessions.get({ end: 'error', code: 'VX_BAD_AUDIO' })).toBe(1);
  });

  it('a voice the server does not offer: VX_BAD_VOICE, and ready and /voices list those it does', async () => {
    const { ws, next } = await raw();
    ws.send(start({ reply: { voice: 'en-us+x1' } }));
    expect(await next('error')).toMatchObject({ code: 'VX_BAD_VOICE', fatal: false });
    ws.send(start({ reply: { voice: 'en-gb' } }));
    const ready = await next('ready');
    expect(ready['voices']).toEqual(server.engine.voices);
    expect(server.engine.voices).toContain('en-gb');
    const res = await fetch(`http://127.0.0.1:${server.port}/voices`);
    expect(await res.json()).toEqual({ voices: server.engine.voices });
    ws.close();
  });

  it('errors about contexts name the context and what is wrong, never a server path', async () => {
    const { ws, next } = await raw();
    const texts: string[] = [];
    for (const extra of [
      { context: 'a'.repeat(512) },
      { context: '__proto__' },
      { context: 'no_such_context' },
      { slots: { room: ['(bad'] } },
      { slots: { room: Array.from({ length: 500 }, (_, i) => `room ${i}`) } },
      { slots: { nosuchslot: ['x'] } },
    ]) {
      ws.send(start(extra));
      const e = await next('error');
      expect(e['fatal']).toBe(false);
      texts.push(String(e['message']));
    }
    const root = new URL('../../', import.meta.url).pathname;
    for (const text of texts) {
      expect(text).not.toContain(root);
      expect(text).not.toMatch(/\/[\w.-]+\/[\w.-]+/);
    }
    expect(texts[3]).toMatch(/^context "smart_home": slot override: room: .*expression syntax/);
    expect(texts[4]).toMatch(/500 values for 'room', over the limit of 100/);
    ws.close();
  });
});
