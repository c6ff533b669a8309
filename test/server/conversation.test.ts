import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxClient, prepareAudio, streamAudio, type ClientEvent } from '../../src/client/index.ts';
import { VoxServer } from '../../src/server/index.ts';
import { closeSpeech, speech } from '../helpers/speech.ts';
import { syntheticSpeech } from '../helpers/models.ts';

let server: VoxServer;

beforeAll(async () => {
  // The tests stream faster than real time, beyond the default 5 s burst allowance.
  server = await VoxServer.start({
    ...syntheticSpeech,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    audioBurstMs: 60_000,
  });
});
afterAll(async () => {
  await server?.close();
  await closeSpeech();
});

const types = (events: ClientEvent[]) => events.map((e) => e.type);

describe('continuous listening', () => {
  it('answers two utterances on one socket, in order', async () => {
    const client = await VoxClient.connect(`ws://127.0.0.1:${server.port}/`);
    const events: ClientEvent[] = [];
    client.events.subscribe((e) => events.push(e));
    await client.start({
      audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
      context: 'smart_home',
      reply: { enabled: false },
    });
    for (const text of ['set a timer for five minutes', 'pause the music']) {
      await streamAudio(
        client,
        prepareAudio(await speech(text), {
          encoding: 'pcm_s16le',
          sampleRate: 16000,
          trailingSilenceMs: 1000,
        }),
        { realtime: false },
      );
    }
    client.stop();
    await client.closed;
    const intents = events.filter((e): e is Extract<ClientEvent, { type: 'intent' }> => e.type === 'intent');
    expect(intents.map((i) => i.utterance)).toEqual([1, 2]);
    expect(intents[0]).toMatchObject({ intent: 'setTimer', slots: { duration: 'five minutes' } });
    expect(intents[1]).toMatchObject({ intent: 'controlMusic', slots: { action: 'pause' } });
    // Each utterance: speech_start before its final, final before its intent.
    const t = types(events);
    expect(t.indexOf('speech_start')).toBeLessThan(t.indexOf('final'));
    expect(t.lastIndexOf('final')).toBeLessThan(t.lastIndexOf('intent'));
    expect(t.filter((x) => x === 'tts_start')).toEqual([]);
  });
});

describe('barge-in', () => {
  it('stops the reply and says so when the person speaks over it', async () => {
    const client = await VoxClient.connect(`ws://127.0.0.1:${server.port}/`);
    const events: ClientEvent[] = [];
    let ttsStarted: () => void = () => {};
    const started = new Promise<void>((r) => (ttsStarted = r));
    client.events.subscribe((e) => {
      events.push(e);
      if (e.type === 'tts_start') ttsStarted();
    });
    await client.start({ audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: 'smart_home' });
    // A long reply: "Setting the living room lights to fifty percent."
    await streamAudio(
      client,
      prepareAudio(await speech('set the living room lights to fifty percent'), {
        encoding: 'pcm_s16le',
        sampleRate: 16000,
        trailingSilenceMs: 600,
      }),
      { realtime: false },
    );
    await started;
    await streamAudio(
      client,
      prepareAudio(await speech('stop the timer'), {
        encoding: 'pcm_s16le',
        sampleRate: 16000,
        trailingSilenceMs: 1000,
      }),
      { realtime: true },
    );
    client.stop();
    await client.closed;
    const interrupted = events.find((e) => e.type === 'tts_interrupted') as { utterance: number } | undefined;
    expect(interrupted?.utterance).toBe(1);
    const t = types(events);
    expect(t.indexOf('tts_interrupted')).toBeGreaterThan(t.indexOf('tts_start'));
    expect(events.filter((e) => e.type === 'speech_start').length).toBe(2);
  });
});
