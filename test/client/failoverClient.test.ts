import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AddressInfo, type Server, type Socket, createServer, connect as tcpConnect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { FailoverClient } from '../../src/client/failoverClient.ts';
import type { ClientEvent } from '../../src/client/events.ts';
import { streamAudio } from '../../src/client/audioSource.ts';
import { VoxServer } from '../../src/server/index.ts';
import { encodeWav } from '../../src/audio/index.ts';
import { streamCommand } from '../../src/cli/stream.ts';
import { closeSpeech, speech } from '../helpers/speech.ts';
import { chunksOf, waitFor } from '../helpers/harness.ts';
import { syntheticSpeech } from '../helpers/models.ts';

afterAll(() => closeSpeech());

/**
 * A TCP forwarder standing in for the load balancer's one job here: each new connection goes to the backend
 * `target()` names at that moment. The servers and the client on either side are the real ones.
 */
async function forwarder(target: () => number): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = tcpConnect(target(), '127.0.0.1');
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream).pipe(downstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('FailoverClient', () => {
  it('moves a session off a draining server: the cut utterance is sent again and answered once, elsewhere', async () => {
    const options = {
      ...syntheticSpeech,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      replies: false,
    } as const;
    const a = await VoxServer.start(options);
    const b = await VoxServer.start(options);
    let backend = a.port;
    const lb = await forwarder(() => backend);
    const events: ClientEvent[] = [];
    try {
      const client = await FailoverClient.connect(`ws://127.0.0.1:${lb.port}/`, {}, { backoffMs: 50 });
      client.events.subscribe((e) => events.push(e));
      await client.start({
        audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
        context: 'smart_home',
        reply: { enabled: false },
      });
      const command = await chunksOf('turn on the lights in the kitchen');
      // The first command is answered by A.
      await streamAudio(client, command, { realtime: false, aheadMs: 2000 });
      await waitFor(() => events.some((e) => e.type === 'intent'), 20_000);

      // The second is cut by A's drain mid-utterance (a deadline of 1 ms: nothing is let finish).
      const speaking = streamAudio(client, command, { realtime: true });
      await waitFor(() => events.filter((e) => e.type === 'speech_start').length === 2, 20_000);
      backend = b.port;
      await a.drain(1);
      await speaking;
      await waitFor(() => events.filter((e) => e.type === 'intent').length === 2, 20_000);
      client.stop();
      const closed = await client.closed;

      expect(closed.code).toBe(1000);
      const moves = events.filter((e) => e.type === 'failover');
      expect(moves).toHaveLength(1);
      expect(moves[0]).toMatchObject({ closeCode: 1001, connection: 1, lost: [] });
      expect((moves[0] as { resentMs: number }).resentMs).toBeGreaterThan(200);
      // The go-away error was acted on, not passed on; one answer per command, and the session ended cleanly.
      expect(events.filter((e) => e.type === 'error')).toEqual([]);
      const intents = events.filter((e) => e.type === 'intent');
      expect(intents).toHaveLength(2);
      expect(intents.map((e) => (e as { intent: string | null }).intent)).toEqual([
        'changeLightState',
        'changeLightState',
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'end' });
      // Each server's own ledger: A's cut utterance errored, B answered it.
      expect(a.engine.metrics.utterances.get({ outcome: 'errored' })).toBe(1);
      expect(a.engine.metrics.utterances.get({ outcome: 'completed' })).toBe(1);
      expect(b.engine.metrics.utterances.get({ outcome: 'completed' })).toBe(1);
      expect(b.engine.metrics.utterancesAccepted.get()).toBe(1);
    } finally {
      await lb.close();
      await Promise.all([a.close(), b.close()]);
    }
  }, 90_000);

  it('keeps `voxstream stream` going across a drain: one answer per command, exit 0', async () => {
    const options = {
      ...syntheticSpeech,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      replies: false,
    } as const;
    const a = await VoxServer.start(options);
    const b = await VoxServer.start(options);
    let backend = a.port;
    const lb = await forwarder(() => backend);
    const dir = await mkdtemp(join(tmpdir(), 'vox-failover-'));
    try {
      // Two commands with a second of silence between them.
      const said = await speech('turn on the lights in the kitchen');
      const gap = new Float32Array(said.sampleRate);
      const pcm = new Float32Array(said.pcm.length * 2 + gap.length);
      pcm.set(said.pcm);
      pcm.set(said.pcm, said.pcm.length + gap.length);
      const file = join(dir, 'two.wav');
      await writeFile(file, encodeWav(pcm, said.sampleRate));
      const lines: string[] = [];
      const errors: string[] = [];
      let drained: Promise<void> | null = null;
      const io = {
        out: (line: string) => {
          lines.push(line);
          // A's drain as the second command starts: that utterance is cut and must go again to B.
          if (drained === null && lines.filter((l) => l.includes('"speech_start"')).length === 2) {
            backend = b.port;
            drained = a.drain(1);
          }
        },
        err: (line: string) => void errors.push(line),
        onInterrupt: () => () => undefined,
      };
      const code = await streamCommand(
        [file, '--url', `ws://127.0.0.1:${lb.port}/`, '--json', '--context', 'smart_home'],
        io,
      );
      const events = lines.map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
      expect(errors).toEqual([]);
      expect(code).toBe(0);
      expect(events.filter((e) => e.type === 'failover')).toMatchObject([{ closeCode: 1001, lost: [] }]);
      expect(events.filter((e) => e.type === 'intent').map((e) => e['intent'])).toEqual([
        'changeLightState',
        'changeLightState',
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'summary', clean: true });
      await drained;
    } finally {
      await rm(dir, { recursive: true, force: true });
      await lb.close();
      await Promise.all([a.close(), b.close()]);
    }
  }, 90_000);

  it('moves an idle session (nothing to send again) and goes on sending and stopping on the new one', async () => {
    const options = {
      ...syntheticSpeech,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      replies: false,
    } as const;
    const a = await VoxServer.start(options);
    const b = await VoxServer.start(options);
    let backend = a.port;
    const lb = await forwarder(() => backend);
    const events: ClientEvent[] = [];
    try {
      const client = await FailoverClient.connect(`ws://127.0.0.1:${lb.port}/`, {}, { backoffMs: 50 });
      client.events.subscribe((e) => events.push(e));
      await client.start({ audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: 'smart_home' });
      backend = b.port;
      await a.drain(1);
      await waitFor(() => events.some((e) => e.type === 'failover'), 10_000);
      expect(events.find((e) => e.type === 'failover')).toMatchObject({
        resentMs: 0,
        lost: [],
        connection: 1,
      });
      await streamAudio(client, await chunksOf('turn on the lights in the kitchen'), {
        realtime: false,
        aheadMs: 2000,
      });
      client.stop();
      expect((await client.closed).code).toBe(1000);
      expect(events.filter((e) => e.type === 'intent')).toHaveLength(1);
      expect(b.engine.metrics.utterances.get({ outcome: 'completed' })).toBe(1);
    } finally {
      await lb.close();
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});
