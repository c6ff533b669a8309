import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServers } from '../../../src/cli/serve.ts';
import type { VoxServer } from '../../../src/server/index.ts';
import { WyomingClient } from '../../../src/client/index.ts';
import type { WyomingServer } from '../../../src/server/wyoming/index.ts';
import { type Raw, connect, open, waitFor } from '../../helpers/harness.ts';
import { syntheticSpeech } from '../../helpers/models.ts';

// Started as `voxstream serve --max-sessions 2 --max-sessions-per-address 1 --wyoming-port 0` starts them. Clients
// come from different loopback addresses (Linux routes all of 127.0.0.0/8 to lo) so that the two limits can be
// told apart.
let server: VoxServer;
let wyoming: WyomingServer;

beforeAll(async () => {
  const started = await startServers(
    {
      ...syntheticSpeech,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      maxSessions: 2,
      maxSessionsPerAddress: 1,
    },
    { port: 0, host: '127.0.0.1', zeroconf: false },
  );
  server = started.server;
  wyoming = started.wyoming as WyomingServer;
}, 120_000);

afterAll(async () => {
  await wyoming?.close();
  await server?.close();
});

const url = () => `ws://127.0.0.1:${server.port}/`;
const from = (localAddress: string) => ({ localAddress });
const format = { rate: 16000, width: 2, channels: 1 };

/** A Wyoming transcription under way from `localAddress`: transcribe, audio-start and 100 ms of silence. */
async function transcribing(localAddress: string): Promise<WyomingClient> {
  const c = await WyomingClient.connect(wyoming.port, '127.0.0.1', localAddress);
  c.send('transcribe', { language: 'en' });
  c.send('audio-start', format);
  c.send('audio-chunk', format, new Uint8Array(3200));
  return c;
}

/** The error a refused Wyoming connection gets before its close. */
async function wyomingRefusal(localAddress: string): Promise<Record<string, unknown>> {
  const c = await WyomingClient.connect(wyoming.port, '127.0.0.1', localAddress);
  const { data } = await c.nextOf('error');
  await c.closed;
  return data;
}

describe('one admission for WebSocket and Wyoming', () => {
  it('a WebSocket session and a Wyoming transcription fill --max-sessions 2; a third is refused on either', async () => {
    const ws = await open(url(), from('127.0.0.1'));
    const stt = await transcribing('127.0.0.2');
    await waitFor(() => server.admission.size === 2);
    expect(server.readiness()).toBe('full');

    // A third, from an address with no session yet: the global limit, in each transport's own terms.
    expect(await connect(url(), from('127.0.0.3'))).toMatchObject({
      status: 503,
      body: 'session limit reached\n',
    });
    expect(await wyomingRefusal('127.0.0.3')).toEqual({ code: 'VX_WY_BUSY', text: 'session limit reached' });

    // The transcription still runs: its audio stop gets the (empty, silent) transcript.
    stt.send('audio-stop');
    expect((await stt.nextOf('transcript')).data).toMatchObject({ text: '' });
    stt.close();
    await stt.closed;
    await waitFor(() => server.admission.size === 1);

    // A freed place is taken by the other transport; the per-address count is shared too: 127.0.0.1 holds the
    // WebSocket session, so a Wyoming connection from it is over --max-sessions-per-address 1.
    expect(await wyomingRefusal('127.0.0.1')).toEqual({
      code: 'VX_WY_BUSY',
      text: 'too many sessions from this address',
    });
    const again = await transcribing('127.0.0.3');
    await waitFor(() => server.admission.size === 2);
    (ws as Raw).ws.close();
    await waitFor(() => server.admission.size === 1);
    // And a WebSocket upgrade from the address the Wyoming connection holds is 429.
    expect(await connect(url(), from('127.0.0.3'))).toMatchObject({ status: 429 });
    again.close();
    await waitFor(() => server.admission.size === 0);
    expect(server.engine.metrics.refused.get({ reason: 'session_limit' })).toBe(1);
    expect(server.engine.metrics.refused.get({ reason: 'wyoming_session_limit' })).toBe(1);
  });
});
