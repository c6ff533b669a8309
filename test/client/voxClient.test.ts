import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { firstValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientError } from '../../src/client/errors.ts';
import type { ClientEvent } from '../../src/client/events.ts';
import { VoxClient } from '../../src/client/voxClient.ts';
import { readyFor, sendJson, startFakeServer, type FakeServer } from './fakeServer.ts';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function rejection(promise: Promise<unknown>): Promise<ClientError> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('VoxClient', () => {
  it('starts, tags reply audio with its utterance, sends stop and reports the close', async () => {
    const received: unknown[] = [];
    server = await startFakeServer((ws) => {
      ws.on('message', (data, isBinary) => {
        if (isBinary) {
          received.push((data as Buffer).byteLength);
          return;
        }
        const message = JSON.parse(String(data)) as {
          type: string;
          audio?: { encoding: string; sampleRate: number };
        };
        received.push(message);
        if (message.type === 'start' && message.audio !== undefined) sendJson(ws, readyFor(message.audio));
        if (message.type === 'stop') {
          ws.send(Buffer.from([9, 9])); // stray: outside tts_start … tts_end
          sendJson(ws, { type: 'final', utterance: 1, text: 'lights on' });
          sendJson(ws, { type: 'tts_start', utterance: 1, encoding: 'pcm_s16le', sampleRate: 16000 });
          ws.send(Buffer.from([1, 0, 2, 0]));
          ws.send(Buffer.from([3, 0]));
          sendJson(ws, { type: 'tts_end', utterance: 1, bytes: 6 });
          ws.send('not json');
          sendJson(ws, { type: 'end', utterances: 1 });
          ws.close(1000, 'bye');
        }
      });
    });
    const client = await VoxClient.connect(server.url);
    const all = firstValueFrom(client.events.pipe(toArray()));
    const before = performance.now();
    const ready = await client.start({
      audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
      context: 'smart_home',
    });
    expect(ready.type).toBe('ready');
    expect(ready.session).toBe('s-1');
    expect(ready.receivedAt).toBeGreaterThanOrEqual(before);
    await client.sendAudio(new Uint8Array(640));
    expect(client.stop()).toBe(true);
    expect(client.stop()).toBe(false); // only once
    const closed = await client.closed;
    expect(closed).toEqual({ code: 1000, reason: 'bye' });
    const events = await all;

    expect(received).toEqual([
      { type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: 'smart_home' },
      640,
      { type: 'stop' },
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'ready',
      'final',
      'tts_start',
      'audio',
      'audio',
      'tts_end',
      'bad_message',
      'end',
    ]);
    const audio = events.filter((e): e is Extract<ClientEvent, { type: 'audio' }> => e.type === 'audio');
    expect(audio.map((e) => [e.utterance, [...e.bytes]])).toEqual([
      [1, [1, 0, 2, 0]],
      [1, [3, 0]],
    ]);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.receivedAt).toBeGreaterThanOrEqual(events[i - 1]!.receivedAt);
    }
    expect(events[1]).toMatchObject({ type: 'final', utterance: 1, text: 'lights on' });
    expect(events[6]).toMatchObject({ type: 'bad_message', reason: 'not JSON', excerpt: 'not json' });
    expect(client.strayAudioFrames).toBe(1);
    expect(client.isOpen).toBe(false);
    await expect(client.sendAudio(new Uint8Array(2))).rejects.toMatchObject({ code: 'VX_NOT_OPEN' });
  });

  it('rejects start with the server error code', async () => {
    server = await startFakeServer((ws) =>
      ws.on('message', () =>
        sendJson(ws, { type: 'error', code: 'VX_UNKNOWN_CONTEXT', message: 'no context "x"', fatal: false }),
      ),
    );
    const client = await VoxClient.connect(server.url);
    const error = await rejection(
      client.start({ audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: 'x' }),
    );
    expect(error.code).toBe('VX_START_FAILED');
    expect(error.serverCode).toBe('VX_UNKNOWN_CONTEXT');
    expect(error.message).toContain('no context "x"');
    await client.close();
  });

  it('rejects start when the server closes or stays silent', async () => {
    server = await startFakeServer((ws) => ws.on('message', () => ws.close(1013, 'full')));
    const client = await VoxClient.connect(server.url);
    const closedEarly = await rejection(client.start({ audio: { encoding: 'opus', sampleRate: 48000 } }));
    expect(closedEarly.message).toContain('1013 full');

    await server.close();
    server = await startFakeServer(() => undefined);
    const silent = await VoxClient.connect(server.url, { startTimeoutMs: 50 });
    const timedOut = await rejection(silent.start({ audio: { encoding: 'opus', sampleRate: 48000 } }));
    expect(timedOut.message).toContain('no ready within 50 ms');
    await silent.close();
  });

  it('keeps events that arrive before anyone subscribes for the first subscriber', async () => {
    server = await startFakeServer((ws) => {
      sendJson(ws, { type: 'error', code: 'VX_OVERLOADED', message: 'full', fatal: true });
      ws.close(1013, 'full');
    });
    const client = await VoxClient.connect(server.url);
    expect(await client.closed).toEqual({ code: 1013, reason: 'full' });
    const events = await firstValueFrom(client.events.pipe(toArray()));
    expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'VX_OVERLOADED', fatal: true })]);
  });

  it('sends the token as a bearer header, or as a query parameter when asked', async () => {
    const seen: { url: string | undefined; authorization: string | undefined; extra: unknown }[] = [];
    server = await startFakeServer((ws, request) => {
      seen.push({
        url: request.url,
        authorization: request.headers.authorization,
        extra: request.headers['x-extra'],
      });
      ws.close();
    });
    const viaHeader = await VoxClient.connect(server.url, { token: 's3cret', headers: { 'x-extra': 'yes' } });
    await viaHeader.closed;
    const viaQuery = await VoxClient.connect(server.url, { token: 's3cret', tokenVia: 'query' });
    await viaQuery.closed;
    expect(seen).toEqual([
      { url: '/', authorization: 'Bearer s3cret', extra: 'yes' },
      { url: '/?token=s3cret', authorization: undefined, extra: undefined },
    ]);
  });

  it('fails to connect with a clear error: refused, HTTP 401, bad URL, aborted', async () => {
    const refused = await rejection(VoxClient.connect('ws://127.0.0.1:1/'));
    expect(refused.code).toBe('VX_CONNECT_FAILED');
    expect(refused.message).toMatch(/cannot connect to ws:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED/);

    server = await startFakeServer(() => undefined, { verifyClient: () => false });
    const denied = await rejection(
      VoxClient.connect(`${server.url}?token=leak`, { token: 't', tokenVia: 'query' }),
    );
    expect(denied.code).toBe('VX_CONNECT_FAILED');
    expect(denied.message).toContain('401');
    expect(denied.message).not.toContain('leak');

    await expect(VoxClient.connect('http://localhost:8080/')).rejects.toThrow(TypeError);
    await expect(VoxClient.connect(server.url, { connectTimeoutMs: 0 })).rejects.toThrow(/connectTimeoutMs/);

    // A server that accepts TCP but never answers the upgrade: abort the connect.
    const sockets: Socket[] = [];
    const mute = createServer();
    mute.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const controller = new AbortController();
    const pending = VoxClient.connect(`ws://127.0.0.1:${(mute.address() as AddressInfo).port}/`, {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 30);
    expect((await rejection(pending)).code).toBe('VX_ABORTED');
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => mute.close(resolve));
  });

  it('closes with 1001 when its signal fires, and close() is idempotent', async () => {
    const codes: number[] = [];
    server = await startFakeServer((ws) => ws.on('close', (code) => codes.push(code)));
    const controller = new AbortController();
    const client = await VoxClient.connect(server.url, { signal: controller.signal });
    controller.abort();
    expect(await client.closed).toMatchObject({ code: 1001, reason: 'client aborted' });
    expect(await client.close()).toMatchObject({ code: 1001 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(codes).toEqual([1001]);
  });

  it('holds sendAudio back while the socket is over its high-water mark, and releases it on drain', async () => {
    let serverSocket: Socket | undefined;
    server = await startFakeServer((_ws, request) => {
      serverSocket = request.socket;
      serverSocket.pause(); // the server stops reading: TCP fills up, then the client's buffer grows
    });
    const client = await VoxClient.connect(server.url, { highWaterMarkBytes: 256 * 1024 });
    const frame = new Uint8Array(64 * 1024);
    let blocked: Promise<void> | undefined;
    let bufferedAtBlock = 0;
    for (let sent = 0; sent < 2000 && blocked === undefined; sent++) {
      const send = client.sendAudio(frame);
      const done = await Promise.race([
        send.then(() => true),
        new Promise((r) => setTimeout(() => r(false), 50)),
      ]);
      if (!done) {
        blocked = send;
        bufferedAtBlock = (client as unknown as { ws: { bufferedAmount: number } }).ws.bufferedAmount;
      }
    }
    expect(blocked).toBeDefined();
    expect(bufferedAtBlock).toBeGreaterThan(256 * 1024);
    serverSocket?.resume();
    await blocked;
    await client.close();
  });

  it('rejects a send held back by backpressure when the socket closes', async () => {
    server = await startFakeServer((_ws, request) => request.socket.pause());
    const client = await VoxClient.connect(server.url, { highWaterMarkBytes: 0, closeTimeoutMs: 20 });
    const frame = new Uint8Array(1024 * 1024);
    let held: Promise<void> | undefined;
    for (let i = 0; i < 200 && held === undefined; i++) {
      const send = client.sendAudio(frame);
      if (!(await Promise.race([send.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))])))
        held = send;
    }
    expect(held).toBeDefined();
    void client.close();
    expect((await rejection(held!)).code).toBe('VX_CLOSED');
  });
});
