import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelRunWrapper, SharedModel } from '../../src/runtime/index.ts';
import { VoxServer } from '../../src/server/index.ts';
import { closeSpeech } from '../helpers/speech.ts';
import { syntheticSpeech } from '../helpers/models.ts';
import {
  type Message,
  type Raw,
  accounts,
  balanced,
  chunksOf,
  connect,
  endings,
  open,
  pump,
  sleep,
  started,
  waitFor,
} from '../helpers/harness.ts';

/** The command the existing session test shows the model understands: it gets a spoken reply. */
const command = 'turn on the lights in the kitchen';

/** How many of the next runs of each shared model fail, as a model failing at run time would. */
const faults: Record<SharedModel, number> = { asr: 0, vad: 0, fusion: 0 };

/** The seam the server below starts with: a pending fault fails the whole batched run, else it runs. */
const injectFaults: ModelRunWrapper = (model, run) => {
  if (faults[model] <= 0) return run();
  faults[model]--;
  return Promise.reject(new Error(`injected ${model} fault (test only)`));
};

/** Open handles of the process by kind (sockets, timers…), as Node reports them. */
function handles(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

afterAll(() => closeSpeech());

describe('faults in a running server', () => {
  let server: VoxServer;
  let dir: string;
  let longContext: string;
  const url = () => `ws://127.0.0.1:${server.port}/`;

  beforeAll(async () => {
    server = await VoxServer.start(
      {
        ...syntheticSpeech,
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        maxUnsentBytes: 65_536,
        closeTimeoutMs: 300,
        allowContextPaths: true,
        audioBurstMs: 60_000,
      },
      { wrapRun: injectFaults },
    );
    await chunksOf(command);
    // A context whose reply is a minute of speech, 30 sentences synthesized one after another.
    dir = mkdtempSync(join(tmpdir(), 'vx-ctx-'));
    longContext = join(dir, 'long_home.yaml');
    copyFileSync(
      fileURLToPath(new URL('../../models/contexts/smart_home.yaml', import.meta.url)),
      longContext,
    );
    const sentence = 'Turning {state} the lights, just as you asked, right away.';
    writeFileSync(
      join(dir, 'long_home.replies.yaml'),
      `replies:\n  changeLightState: '${Array(30).fill(sentence).join(' ')}'\n`,
    );
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Waits until nothing of any session is left: sockets, graphs, model queues, timers. */
  async function settled(before: Record<string, number>): Promise<void> {
    await waitFor(() => server.sessionCount === 0 && server.liveGraphs === 0, 10_000, 'sessions to close');
    await waitFor(
      () => server.engine.acoustic.queued() === 0 && server.engine.vadBatcher.queued === 0,
      5000,
      'model queues',
    );
    await waitFor(
      () =>
        (handles()['TCPSocketWrap'] ?? 0) <= (before['TCPSocketWrap'] ?? 0) &&
        (handles()['Timeout'] ?? 0) <= (before['Timeout'] ?? 0),
      5000,
      `handles back to ${JSON.stringify(before)} (now ${JSON.stringify(handles())})`,
    );
  }

  it('leaves nothing behind when the client disconnects mid-utterance; the utterance counts as abandoned', async () => {
    const before = handles();
    const was = accounts(server);
    const raw = await started(url());
    const speech = await chunksOf(command);
    let cut = false;
    void raw
      .next((m) => m.type === 'speech_start')
      .then(async () => {
        await sleep(200);
        cut = true;
        raw.ws.terminate();
      });
    await pump(raw, speech.chunks, true, () => cut);
    await raw.closed;
    await settled(before);
    expect(raw.messages.some((m) => m.type === 'speech_start')).toBe(true);
    expect(raw.messages.some((m) => m.type === 'intent')).toBe(false);
    expect(accounts(server).abandoned).toBe(was.abandoned + 1);
    expect(balanced(server)).toBe(true);
  });

  it('leaves nothing behind when the client disconnects mid-reply', async () => {
    const before = handles();
    const raw = await open(url());
    raw.send({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: longContext });
    await raw.next((m) => m.type === 'ready');
    void pump(raw, (await chunksOf(command)).chunks, false);
    await raw.next((m) => m.type === 'tts_start');
    raw.ws.terminate(); // the first of 30 sentences is out; the rest is still being synthesized
    await raw.closed;
    await settled(before);
    expect(raw.messages.some((m) => m.type === 'tts_end')).toBe(false);
    expect(balanced(server)).toBe(true);
  });

  it('ends the utterance with VX_CANCELLED on cancel, and keeps listening', async () => {
    const was = accounts(server);
    const raw = await started(url());
    const speech = await chunksOf(command);
    void raw
      .next((m) => m.type === 'speech_start')
      .then(async () => {
        await sleep(300);
        raw.send({ type: 'cancel' });
      });
    await pump(raw, speech.chunks, true);
    const cancelled = await raw.next((m) => m.type === 'error' && m.code === 'VX_CANCELLED');
    expect(cancelled).toMatchObject({ utterance: 1, fatal: false });
    raw.send({ type: 'stop' });
    expect((await raw.closed).code).toBe(1000);
    expect(endings(raw.messages).get(1)).toBe(1);
    expect(accounts(server).cancelled).toBe(was.cancelled + 1);
    expect(balanced(server)).toBe(true);
  });

  it('ends a session whose client stops reading: bounded send buffer, VX_BACKPRESSURE, closed', async () => {
    // The long reply at 48 kHz is more than the kernel's socket buffers (~4 MB on loopback) and the session's
    // 64 KiB allowance together, so the server's own send buffer must reach its bound.
    const before = handles();
    const raw = await open(url());
    const reply = { encoding: 'pcm_s16le', sampleRate: 48000 };
    raw.send({
      type: 'start',
      audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
      context: longContext,
      reply,
    });
    await raw.next((m) => m.type === 'ready');
    raw.ws.pause(); // stops reading: everything the server sends from now on piles up
    await pump(raw, (await chunksOf(command)).chunks, false);
    await waitFor(() => server.sessionCount === 0, 20_000, 'the session to be closed');
    expect(server.engine.metrics.sessions.get({ end: 'error', code: 'VX_BACKPRESSURE' })).toBe(1);
    raw.ws.terminate();
    await settled(before);
    expect(balanced(server)).toBe(true);
  });

  it('answers an utterance whose acoustic model run fails with VX_INFERENCE_FAILED, and goes on', async () => {
    const raw = await started(url());
    const speech = await chunksOf(command);
    faults.asr = 1;
    await pump(raw, speech.chunks, false);
    const failed = await raw.next((m) => m.type === 'error');
    expect(failed).toMatchObject({ code: 'VX_INFERENCE_FAILED', utterance: 1, fatal: false });
    await pump(raw, speech.chunks, false);
    raw.send({ type: 'stop' });
    expect((await raw.closed).code).toBe(1000);
    expect(raw.messages.find((m) => m.type === 'intent')).toMatchObject({ utterance: 2 });
    expect([...endings(raw.messages).values()]).toEqual([1, 1]);
    expect(faults.asr).toBe(0);
  });

  it('ends only the session whose voice detector run fails (1011); the server lives', async () => {
    const raw = await started(url());
    faults.vad = 1;
    await pump(raw, (await chunksOf(command)).chunks.slice(0, 5), false);
    expect(await raw.next((m) => m.type === 'error')).toMatchObject({
      code: 'VX_INFERENCE_FAILED',
      fatal: true,
    });
    expect((await raw.closed).code).toBe(1011);
    const next = await started(url());
    await pump(next, (await chunksOf(command)).chunks, false);
    next.send({ type: 'stop' });
    expect((await next.closed).code).toBe(1000);
    expect(next.messages.some((m) => m.type === 'intent')).toBe(true);
    await waitFor(() => server.sessionCount === 0);
    expect(balanced(server)).toBe(true);
  });
});

describe('draining', () => {
  it('finishes the utterances under way, closes the rest with 1001 at the deadline, and refuses new ones', async () => {
    const server = await VoxServer.start({
      ...syntheticSpeech,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
    });
    const url = `ws://127.0.0.1:${server.port}/`;
    const speech = await chunksOf(command);
    const idle = await started(url);
    const talking = await started(url, {}, true);
    const stalled = await started(url);
    void pump(stalled, speech.chunks.slice(0, 50), true); // speech starts, then the client goes quiet
    void pump(talking, speech.chunks, true);
    await talking.next((m) => m.type === 'speech_start');
    await stalled.next((m) => m.type === 'speech_start');
    const t0 = performance.now();
    const drained = server.drain(4000);

    // Not yet started anything: closed at once.
    expect((await idle.closed).code).toBe(1001);
    expect(idle.messages.at(-1)).toMatchObject({ type: 'error', code: 'VX_SHUTTING_DOWN', fatal: true });
    expect(await connect(url)).toMatchObject({ status: 503 });
    // The port stays open while draining, so that a load balancer sees /readyz say so; it is still alive.
    const ready = await fetch(`http://127.0.0.1:${server.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, reason: 'draining' });
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, draining: true });

    // Under way: answered (reply included), then 1001.
    const { code } = await talking.closed;
    expect(code).toBe(1001);
    const types = talking.messages.map((m) => m.type);
    expect(types.indexOf('intent')).toBeGreaterThan(types.indexOf('speech_start'));
    expect(types.indexOf('metrics')).toBeGreaterThan(types.indexOf('intent'));
    expect(talking.messages.at(-1)).toMatchObject({ type: 'error', code: 'VX_SHUTTING_DOWN' });
    expect(talking.messages.at(-1)?.utterance).toBeUndefined();
    expect(performance.now() - t0).toBeLessThan(4000);

    // Stalled mid-utterance: cut at the deadline, its utterance ended with the error.
    expect((await stalled.closed).code).toBe(1001);
    expect(performance.now() - t0).toBeGreaterThan(3500);
    expect(stalled.messages.find((m) => m.type === 'error')).toMatchObject({
      code: 'VX_SHUTTING_DOWN',
      utterance: 1,
      fatal: true,
    });
    await drained;
    for (const raw of [idle, talking, stalled])
      expect([...endings(raw.messages).values()].every((n) => n === 1)).toBe(true);
    expect(balanced(server)).toBe(true);
    expect(server.sessionCount).toBe(0);
    expect(server.engine.metrics.sessions.get({ end: 'drained', code: 'VX_SHUTTING_DOWN' })).toBe(3);
  });
});

describe('voxstream serve', () => {
  let child: ChildProcess | undefined;
  afterAll(() => child?.kill('SIGKILL'));

  it('drains on SIGTERM: warns it is open, closes sessions with 1001, stops accepting, exits 0', async () => {
    const bin = fileURLToPath(new URL('../../bin/voxstream.js', import.meta.url));
    child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--host', '127.0.0.1', '--drain-ms', '2000'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const proc = child;
    let log = '';
    proc.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    // The warning follows the "listening" line, possibly in a later chunk of stderr.
    await waitFor(
      () => /"msg":"listening"/.test(log) && /"msg":"no access tokens configured/.test(log),
      60_000,
      'the server to listen and warn that it is open',
    );
    expect(log).toMatch(/"level":"warn","msg":"no access tokens configured/);
    const url = (/"url":"(ws:\/\/[^"]+)"/.exec(log) as RegExpExecArray)[1] as string;
    const raw: Raw = await started(url);
    proc.kill('SIGTERM');
    expect((await raw.closed).code).toBe(1001);
    expect(raw.messages.at(-1) as Message).toMatchObject({ type: 'error', code: 'VX_SHUTTING_DOWN' });
    expect(await exited).toBe(0);
    expect(log).toMatch(/"msg":"draining"/);
    await expect(open(url)).rejects.toThrow();
  });
});
