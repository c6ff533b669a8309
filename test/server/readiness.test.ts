import { afterAll, describe, expect, it } from 'vitest';
import { VoxServer } from '../../src/server/index.ts';
import { closeSpeech } from '../helpers/speech.ts';
import { chunksOf, connect, open, pump, started, waitFor } from '../helpers/harness.ts';

afterAll(() => closeSpeech());

/** A gauge's value from `GET /metrics`. */
async function gauge(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('liveness and readiness', () => {
  it('says ready below --max-sessions, full at it, draining from the drain on; alive throughout', async () => {
    const server = await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'silent', maxSessions: 2 });
    const http = `http://127.0.0.1:${server.port}`;
    const url = `ws://127.0.0.1:${server.port}/`;
    try {
      let ready = await fetch(`${http}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, sessions: 0, maxSessions: 2 });
      expect(await gauge(server.port, 'voxstream_max_sessions')).toBe(2);
      expect(await gauge(server.port, 'voxstream_ready')).toBe(1);

      const a = await started(url);
      const b = await open(url);
      await waitFor(() => server.sessionCount === 2);
      ready = await fetch(`${http}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, reason: 'full', sessions: 2 });
      expect(await gauge(server.port, 'voxstream_active_sessions')).toBe(2);
      expect(await gauge(server.port, 'voxstream_ready')).toBe(0);
      expect((await fetch(`${http}/healthz`)).status).toBe(200);
      b.ws.close();
      await waitFor(() => server.sessionCount === 1);
      expect((await fetch(`${http}/readyz`)).status).toBe(200);

      // A session mid-utterance holds the drain open: meanwhile not ready, still alive, upgrades refused.
      void pump(a, (await chunksOf('turn on the lights in the kitchen')).chunks, true);
      await a.next((m) => m.type === 'speech_start');
      const drained = server.drain(10_000);
      ready = await fetch(`${http}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, reason: 'draining' });
      expect(await gauge(server.port, 'voxstream_ready')).toBe(0);
      const health = await fetch(`${http}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, draining: true, sessions: 1 });
      expect(await connect(url)).toMatchObject({ status: 503 });
      // The utterance under way is answered, then the session is closed with 1001.
      expect((await a.closed).code).toBe(1001);
      expect(a.messages.some((m) => m.type === 'intent')).toBe(true);
      await drained;
    } finally {
      await server.close();
    }
  }, 60_000);
});
