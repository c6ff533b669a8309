import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxServer } from '../../src/server/index.ts';
import { closeSpeech } from '../helpers/speech.ts';
import {
  type Raw,
  accounts,
  balanced,
  chunksOf,
  endings,
  open,
  pump,
  sleep,
  started,
  waitFor,
} from '../helpers/harness.ts';

/** `ms` of near-silence as 20 ms PCM s16le chunks at 16 kHz. */
const quiet = (ms: number) => Array.from({ length: ms / 20 }, () => new Uint8Array(640));
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

afterAll(() => closeSpeech());

describe('per-session limits', () => {
  let server: VoxServer;
  const url = () => `ws://127.0.0.1:${server.port}/`;

  beforeAll(async () => {
    server = await VoxServer.start({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      tokens: ['rt-token', 'fast-token:unlimited'],
      maxMessageBytes: 4096,
      audioBurstMs: 1000,
      controlRatePerSec: 5,
      controlBurst: 5,
      maxUtteranceMs: 1000,
      replies: false,
    });
  });
  afterAll(() => server?.close());

  it('ends a session that sends a message over the frame limit: VX_FRAME_TOO_LARGE, then 1009', async () => {
    const raw = await started(url(), bearer('rt-token'));
    raw.ws.send(new Uint8Array(5000));
    expect(await raw.next((m) => m.type === 'error')).toMatchObject({
      code: 'VX_FRAME_TOO_LARGE',
      fatal: true,
    });
    expect((await raw.closed).code).toBe(1009);
    // Over twice the limit, ws itself refuses the frame from its header: 1009, no message.
    const big = await started(url(), bearer('rt-token'));
    big.ws.send(new Uint8Array(9000));
    expect((await big.closed).code).toBe(1009);
    expect(big.messages.filter((m) => m.type === 'error')).toEqual([]);
    const text = await open(url(), bearer('rt-token'));
    text.ws.send('x'.repeat(5000));
    expect((await text.closed).code).toBe(1009);
    await waitFor(() => server.sessionCount === 0);
    expect(server.engine.metrics.errors.get({ code: 'VX_FRAME_TOO_LARGE' })).toBe(3);
    expect(server.engine.metrics.sessions.get({ end: 'error', code: 'VX_FRAME_TOO_LARGE' })).toBe(3);
  });

  it('holds audio to real time plus the burst, unless the token lifts the limit', async () => {
    const fast = await started(url(), bearer('rt-token'));
    await pump(fast, quiet(3000), false);
    expect(await fast.next((m) => m.type === 'error')).toMatchObject({
      code: 'VX_AUDIO_RATE_EXCEEDED',
      fatal: true,
    });
    expect((await fast.closed).code).toBe(1008);

    const paced = await started(url(), bearer('rt-token'));
    await pump(paced, quiet(1600), true);
    const unlimited = await started(url(), bearer('fast-token'));
    await pump(unlimited, quiet(3000), false);
    await sleep(200);
    for (const raw of [paced, unlimited]) {
      expect(raw.messages.filter((m) => m.type === 'error')).toEqual([]);
      raw.send({ type: 'stop' });
      expect((await raw.closed).code).toBe(1000);
    }
  });

  it('ends a session that sends control messages faster than allowed: VX_CONTROL_RATE_EXCEEDED, 1008', async () => {
    const raw = await started(url(), bearer('rt-token')); // `start` took one of the five
    for (let i = 0; i < 6; i++) raw.send({ type: 'cancel' });
    expect(await raw.next((m) => m.type === 'error')).toMatchObject({
      code: 'VX_CONTROL_RATE_EXCEEDED',
      fatal: true,
    });
    expect((await raw.closed).code).toBe(1008);
  });

  it('takes context names only, not paths on the server (unless allowed)', async () => {
    const raw = await open(url(), bearer('rt-token'));
    for (const context of ['/etc/passwd', '../models/contexts/smart_home.yaml', '/dev/zero']) {
      raw.send({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context });
      expect(
        await raw.next(
          (m) => m.type === 'error' && raw.messages.filter((x) => x.type === 'error').length >= 1,
        ),
      ).toMatchObject({ code: 'VX_UNKNOWN_CONTEXT', fatal: false });
      raw.messages.length = 0;
    }
    raw.send({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: 'smart_home' });
    expect(await raw.next((m) => m.type === 'ready')).toMatchObject({ context: { name: 'smart_home' } });
    raw.ws.close();
    await raw.closed;
  });

  it('cuts an utterance at the maximum length, and still ends it exactly once', async () => {
    const raw = await started(url(), bearer('fast-token'));
    const speech = await chunksOf(
      'turn on the lights in the kitchen and set the temperature to twenty degrees',
    );
    await pump(raw, speech.chunks, false);
    raw.send({ type: 'stop' });
    await raw.closed;
    const tooLong = raw.messages.filter((m) => m.code === 'VX_UTTERANCE_TOO_LONG');
    expect(tooLong.length).toBeGreaterThan(0);
    const ends = endings(raw.messages);
    for (const m of tooLong) expect(ends.get(m.utterance as number)).toBe(1);
    expect([...ends.values()].every((n) => n === 1)).toBe(true);
    await waitFor(() => server.sessionCount === 0);
    expect(balanced(server)).toBe(true);
  });
});

describe('time limits and the heartbeat', () => {
  let server: VoxServer;
  const url = () => `ws://127.0.0.1:${server.port}/`;

  beforeAll(async () => {
    server = await VoxServer.start({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      heartbeatMs: 200,
      idleTimeoutMs: 800,
      maxSessionMs: 2500,
      replies: false,
    });
  });
  afterAll(() => server?.close());

  it('terminates a connection that stops answering pings', async () => {
    const raw = await open(url(), { autoPong: false });
    const { code } = await raw.closed;
    expect(code).toBe(1006); // terminated: no close frame
    expect(raw.messages).toEqual([]);
    await waitFor(() => server.sessionCount === 0);
  });

  it('keeps a connection that answers pings and sends audio now and then', async () => {
    const raw = await started(url());
    for (let i = 0; i < 6; i++) {
      await sleep(250);
      raw.ws.send(new Uint8Array(640));
    }
    expect(raw.ws.readyState).toBe(raw.ws.OPEN);
    raw.send({ type: 'stop' });
    expect((await raw.closed).code).toBe(1000);
  });

  it('closes at the idle timeout a connection that sends only control messages or undecodable messages', async () => {
    const before = server.engine.metrics.sessions.get({ end: 'timeout', code: 'VX_IDLE_TIMEOUT' });
    // Never started: cancels and 2-byte frames (dropped with VX_NOT_STARTED) do not keep it open.
    const unstarted = await open(url());
    // Started: cancels and 1-byte frames (not whole samples) do not either.
    const startedOnly = await started(url());
    const t0 = performance.now();
    const timer = setInterval(() => {
      for (const raw of [unstarted, startedOnly]) {
        if (raw.ws.readyState !== raw.ws.OPEN) continue;
        raw.send({ type: 'cancel' });
        raw.ws.send(new Uint8Array(raw === unstarted ? 2 : 1));
      }
    }, 150);
    try {
      for (const raw of [unstarted, startedOnly]) {
        expect(await raw.next((m) => m.type === 'error' && m.fatal === true, 5000)).toMatchObject({
          code: 'VX_IDLE_TIMEOUT',
        });
        expect((await raw.closed).code).toBe(1000);
      }
    } finally {
      clearInterval(timer);
    }
    expect(performance.now() - t0).toBeLessThan(4000);
    await waitFor(() => server.sessionCount === 0);
    expect(server.engine.metrics.sessions.get({ end: 'timeout', code: 'VX_IDLE_TIMEOUT' })).toBe(before + 2);
  });

  it('closes an idle session with VX_IDLE_TIMEOUT, ending the utterance it left open', async () => {
    const idle = await started(url());
    expect(await idle.next((m) => m.type === 'error', 3000)).toMatchObject({
      code: 'VX_IDLE_TIMEOUT',
      fatal: true,
    });
    expect((await idle.closed).code).toBe(1000);

    const before = accounts(server);
    const raw = await started(url());
    const speech = await chunksOf('turn on the lights in the kitchen');
    // The speech, cut off in the middle: the client goes silent (sends nothing) mid-utterance.
    await pump(raw, speech.chunks.slice(0, 60), true);
    await raw.closed;
    const start = raw.messages.find((m) => m.type === 'speech_start');
    expect(start).toBeDefined();
    const ending = raw.messages.find((m) => m.type === 'error' && m.utterance === start?.utterance);
    expect(ending).toMatchObject({ code: 'VX_IDLE_TIMEOUT', fatal: true });
    expect(accounts(server).errored).toBe(before.errored + 1);
    expect(balanced(server)).toBe(true);
  });

  it('ends a session at its maximum length with VX_SESSION_TIME_LIMIT', async () => {
    const raw: Raw = await started(url());
    const t0 = performance.now();
    void pump(raw, quiet(4000), true);
    expect(await raw.next((m) => m.type === 'error', 5000)).toMatchObject({
      code: 'VX_SESSION_TIME_LIMIT',
      fatal: true,
    });
    expect((await raw.closed).code).toBe(1000);
    expect(performance.now() - t0).toBeGreaterThan(2000);
    await waitFor(() => server.sessionCount === 0 && server.liveGraphs === 0);
  });
});
