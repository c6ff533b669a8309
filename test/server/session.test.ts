import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, filter, toArray, takeWhile } from 'rxjs';
import { OpusDecoderStream } from '../../src/audio/index.ts';
import { VoxClient, prepareAudio, streamAudio, type ClientEvent } from '../../src/client/index.ts';
import { VoxServer } from '../../src/server/index.ts';
import { closeSpeech, speech } from '../helpers/speech.ts';
import { syntheticSpeech } from '../helpers/models.ts';

let server: VoxServer;
const url = () => `ws://127.0.0.1:${server.port}/`;

beforeAll(async () => {
  server = await VoxServer.start({ ...syntheticSpeech, port: 0, host: '127.0.0.1', logLevel: 'silent' });
});

afterAll(async () => {
  await server?.close();
  await closeSpeech();
});

type Msg = Extract<ClientEvent, { type: string }>;

/** Everything the server sends until it closes the socket. */
function collect(client: VoxClient): Promise<ClientEvent[]> {
  return firstValueFrom(client.events.pipe(toArray()));
}

async function say(text: string, encoding: 'pcm_s16le' | 'opus', reply: 'pcm_s16le' | 'opus' = 'pcm_s16le') {
  const client = await VoxClient.connect(url());
  const all = collect(client);
  await client.start({
    audio: { encoding, sampleRate: 16000 },
    context: 'smart_home',
    reply: { encoding: reply, sampleRate: 16000 },
  });
  await streamAudio(client, prepareAudio(await speech(text), { encoding, sampleRate: 16000 }), {
    realtime: false,
  });
  client.stop();
  const events = await all;
  await client.closed;
  return events;
}

const ofType = <T extends string>(events: ClientEvent[], type: T) =>
  events.filter((e): e is Extract<Msg, { type: T }> => (e as Msg).type === type);

describe('a voice session over a real socket', () => {
  it('understands a command streamed as PCM and replies with audio', async () => {
    const events = await say('turn on the lights in the kitchen', 'pcm_s16le');
    const [intent] = ofType(events, 'intent');
    expect(intent).toMatchObject({
      understood: true,
      intent: 'changeLightState',
      slots: { state: 'on', room: 'kitchen' },
    });
    expect(ofType(events, 'reply')[0]?.text).toBe('Turning on the kitchen lights.');
    const audio = events.filter((e) => e.type === 'audio') as { bytes: Uint8Array }[];
    const bytes = audio.reduce((n, a) => n + a.bytes.byteLength, 0);
    expect(bytes).toBeGreaterThan(16000); // at least half a second of 16 kHz PCM
    expect(ofType(events, 'tts_end')[0]?.bytes).toBe(bytes);
    const [metrics] = ofType(events, 'metrics');
    expect(metrics?.stages).toHaveProperty('intent');
    // Speech start and end as the session's speech_start and speech_end said, in audio time.
    expect(metrics?.speechStartMs).toBe(ofType(events, 'speech_start')[0]?.atMs);
    expect(metrics?.speechEndMs).toBeGreaterThan(metrics?.speechStartMs ?? Infinity);
    expect(ofType(events, 'end')[0]?.utterances).toBe(1);
  });

  it('understands the same command streamed as Opus, and sends Opus reply packets that decode', async () => {
    const events = await say('set a timer for five minutes', 'opus', 'opus');
    expect(ofType(events, 'intent')[0]).toMatchObject({
      understood: true,
      intent: 'setTimer',
      slots: { duration: 'five minutes' },
    });
    const decoder = new OpusDecoderStream({ sampleRate: 16000 });
    const packets = events.filter((e) => e.type === 'audio') as { bytes: Uint8Array }[];
    expect(packets.length).toBeGreaterThan(10);
    const samples = packets.reduce((n, p) => n + decoder.decode(p.bytes).length, 0);
    expect(samples).toBe(packets.length * 320); // 20 ms packets at 16 kHz
  });
});
