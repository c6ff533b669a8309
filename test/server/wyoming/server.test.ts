import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32ToInt16, resample } from '../../../src/audio/index.ts';
import { VoxServer } from '../../../src/server/index.ts';
import { WyomingClient } from '../../../src/client/index.ts';
import { WyomingServer } from '../../../src/server/wyoming/index.ts';
import { syntheticSpeech } from '../../helpers/models.ts';
import { closeSpeech, speech } from '../../helpers/speech.ts';

let vox: VoxServer;
let wyoming: WyomingServer;

beforeAll(async () => {
  // The tests stream faster than real time, beyond the default 5 s burst allowance.
  vox = await VoxServer.start({
    ...syntheticSpeech,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    audioBurstMs: 60_000,
  });
  wyoming = await WyomingServer.start(
    { port: 0, host: '127.0.0.1', zeroconf: false, maxDataBytes: 65_536 },
    { engine: vox.engine, admission: vox.admission, log: vox.log },
  );
}, 120_000);

afterAll(async () => {
  await wyoming?.close();
  await vox?.close();
  await closeSpeech();
});

const client = () => WyomingClient.connect(wyoming.port);

/** 16-bit PCM bytes of `text` spoken, at `rate`, on `channels` channels, with `silenceMs` of silence after it. */
async function spoken(text: string, rate = 16000, channels = 1, silenceMs = 0): Promise<Uint8Array> {
  const s = await speech(text);
  const mono = rate === s.sampleRate ? s.pcm : resample(s.pcm, s.sampleRate, rate);
  const pcm = float32ToInt16(mono);
  const frames = pcm.length + Math.round((silenceMs / 1000) * rate);
  const out = new Int16Array(frames * channels);
  for (let i = 0; i < pcm.length; i++)
    for (let c = 0; c < channels; c++) out[i * channels + c] = pcm[i] as number;
  return new Uint8Array(out.buffer);
}

/** Sends `pcm` as Home Assistant does: audio-start, 1024-sample audio-chunks. */
function stream(c: WyomingClient, pcm: Uint8Array, rate: number, channels = 1): void {
  const format = { rate, width: 2, channels };
  c.send('audio-start', format);
  const step = 1024 * 2 * channels;
  for (let at = 0; at < pcm.byteLength; at += step)
    c.send('audio-chunk', format, pcm.subarray(at, at + step));
}

describe('describe', () => {
  it('answers info with an asr, a tts and an intent program, every required field present', async () => {
    const c = await client();
    c.send('describe');
    const { data } = await c.nextOf('info');
    for (const list of ['asr', 'tts', 'handle', 'intent', 'wake', 'mic', 'snd'])
      expect(data[list]).toBeInstanceOf(Array);
    expect(data).not.toHaveProperty('satellite');
    type Artifact = Record<string, unknown> & { attribution: { name: string; url: string } };
    const artifact = (a: Artifact) => {
      expect(typeof a['name']).toBe('string');
      expect(typeof a.attribution.name).toBe('string');
      expect(typeof a.attribution.url).toBe('string');
      expect(a['installed']).toBe(true);
      expect(a).toHaveProperty('description');
      expect(a).toHaveProperty('version');
    };
    const [asr] = data['asr'] as (Artifact & { models: Artifact[] })[];
    const [tts] = data['tts'] as (Artifact & { voices: Artifact[] })[];
    const [intent] = data['intent'] as (Artifact & { models: Artifact[] })[];
    for (const a of [asr, tts, intent]) artifact(a as Artifact);
    expect(asr).toMatchObject({
      supports_transcript_streaming: true,
      requires_external_vad: false,
      prefers_auto_gain_enabled: false,
      prefers_noise_reduction_enabled: false,
    });
    for (const m of [...(asr?.models ?? []), ...(intent?.models ?? []), ...(tts?.voices ?? [])]) {
      artifact(m);
      expect(m['languages']).toEqual([expect.stringMatching(/^en/)]);
    }
    // The default context first; every served context is a model of both.
    expect(asr?.models.map((m) => m.name)[0]).toBe('smart_home');
    // The CTC encoder decodes no word loop: no dictation model is offered with it.
    expect(intent?.models.map((m) => m.name)).toEqual(asr?.models.map((m) => m.name));
    expect(asr?.models.map((m) => m.name)).not.toContain('dictation');
    // Exactly the voices the runtime offers (--voices), in its order: what synthesize accepts.
    expect(tts?.voices.map((v) => v.name)).toEqual(vox.engine.voices);
    expect(tts?.voices[0]).toMatchObject({ speakers: null, languages: ['en-US'] });
    expect(tts).toMatchObject({ supports_synthesize_streaming: true });
    c.send('ping', { text: 'hi' });
    expect((await c.nextOf('pong')).data).toEqual({ text: 'hi' });
    c.close();
  });
});

describe('speech to text', () => {
  it('sends the transcript before audio-stop when its own voice detection ends the command', async () => {
    const c = await client();
    c.send('transcribe', { language: 'en' });
    stream(c, await spoken('turn on the lights in the kitchen', 16000, 1, 1500), 16000);
    const transcript = await c.nextOf('transcript', 30_000);
    expect(transcript.data['text']).toBe('turn on the lights in the kitchen');
    // Streamed as advertised: start, then chunks, then the transcript and its stop.
    const types = c.events.map((e) => e.type);
    expect(types[0]).toBe('transcript-start');
    await c.nextOf('transcript-stop');
    expect(types.indexOf('transcript')).toBeGreaterThan(0);
    // Audio after the answer, and the stop, are taken quietly; the connection serves the next request.
    c.send('audio-chunk', { rate: 16000, width: 2, channels: 1 }, new Uint8Array(2048));
    c.send('audio-stop');
    c.send('describe');
    await c.nextOf('info');
    expect(c.events.filter((e) => e.type === 'transcript')).toHaveLength(1);
    expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
    // Its stage timings went to the shared histogram, labelled by transport.
    expect(vox.engine.metrics.registry.render()).toMatch(
      /voxstream_stage_ms_count\{stage="intent",transport="wyoming"\} [1-9]/,
    );
    c.close();
  }, 60_000);

  it('transcribes 22,050 Hz stereo once audio-stop comes (no silence after the command)', async () => {
    const c = await client();
    c.send('transcribe', { language: 'en' });
    stream(c, await spoken('set a timer for five minutes', 22050, 2), 22050, 2);
    c.send('audio-stop');
    const transcript = await c.nextOf('transcript', 30_000);
    expect(transcript.data['text']).toBe('set a timer for five minutes');
    c.close();
  }, 60_000);

  it('answers an empty transcript when nothing was said', async () => {
    const c = await client();
    c.send('transcribe', { language: 'en' });
    stream(c, new Uint8Array(16000 * 2), 16000);
    c.send('audio-stop');
    expect((await c.nextOf('transcript', 30_000)).data['text']).toBe('');
    c.close();
  }, 60_000);

  it('takes the context from the transcribe model name, and refuses one it does not serve', async () => {
    const c = await client();
    c.send('transcribe', { name: 'digits', language: 'en' });
    stream(c, await spoken('seven'), 16000);
    c.send('audio-stop');
    expect((await c.nextOf('transcript', 30_000)).data['text']).toBe('seven');
    c.send('transcribe', { name: 'whisper-large', language: 'en' });
    c.send('audio-start', { rate: 16000, width: 2, channels: 1 });
    expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_WY_UNKNOWN_MODEL' });
    c.close();
  }, 60_000);

  it('refuses audio that is not 16-bit', async () => {
    const c = await client();
    c.send('audio-start', { rate: 16000, width: 4, channels: 1 });
    expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_WY_BAD_DATA' });
    c.close();
  });
});

describe('conversation', () => {
  it("answers Home Assistant's transcript with the intent and its entities", async () => {
    const c = await client();
    c.send('transcript', {
      text: 'Set the bedroom lights to twenty five percent.',
      language: 'en',
      context: { conversation_id: '01J0ABC' },
    });
    const { data } = await c.nextOf('intent');
    expect(data).toEqual({
      name: 'HassLightSet',
      entities: [
        { name: 'area', value: 'bedroom' },
        { name: 'brightness', value: 25 },
      ],
      text: 'Setting the bedroom lights to twenty five percent.',
    });
    c.close();
  });

  it('answers recognize for text outside the grammar with not-recognized', async () => {
    const c = await client();
    c.send('recognize', { text: 'order me a pizza' });
    expect((await c.nextOf('not-recognized')).data['text']).toMatch(/did not understand/);
    c.send('recognize', { text: 'set a timer for half an hour' });
    expect((await c.nextOf('intent')).data).toMatchObject({
      name: 'HassStartTimer',
      entities: [{ name: 'minutes', value: 30 }],
    });
    c.close();
  });
});

describe('text to speech', () => {
  const audioOf = (c: WyomingClient) => c.events.filter((e) => e.type.startsWith('audio-'));

  it('speaks a plain synthesize as one audio group', async () => {
    const c = await client();
    c.send('synthesize', { text: 'Turning on the lights. It is seven degrees.', voice: { name: 'en-gb' } });
    await c.nextOf('audio-stop', 30_000);
    const audio = audioOf(c);
    expect(audio[0]).toMatchObject({ type: 'audio-start', data: { rate: 22050, width: 2, channels: 1 } });
    expect(audio.filter((e) => e.type === 'audio-start')).toHaveLength(1);
    const chunks = audio.filter((e) => e.type === 'audio-chunk');
    const bytes = chunks.reduce((n, e) => n + e.payload.byteLength, 0);
    // Two sentences of speech: well over a second of 22,050 Hz audio.
    expect(bytes).toBeGreaterThan(22050 * 2);
    expect(chunks.every((e) => e.payload.byteLength <= 2048 && e.data['rate'] === 22050)).toBe(true);
    c.close();
  }, 60_000);

  it('streams synthesis sentence by sentence and ends with synthesize-stopped', async () => {
    const c = await client();
    c.send('synthesize-start', { voice: { name: 'en-us' } });
    c.send('synthesize-chunk', { text: 'Turning on the ' });
    c.send('synthesize-chunk', { text: 'lights. It is sev' });
    // The first sentence is complete: it is spoken before the rest of the text comes.
    const first = await c.nextOf('audio-stop', 30_000);
    expect(first).toBeDefined();
    c.send('synthesize-chunk', { text: 'en degrees.' });
    c.send('synthesize', { text: 'Turning on the lights. It is seven degrees.' });
    c.send('synthesize-stop');
    await c.nextOf('synthesize-stopped', 30_000);
    const audio = audioOf(c);
    expect(audio.filter((e) => e.type === 'audio-start')).toHaveLength(2);
    expect(audio.filter((e) => e.type === 'audio-stop')).toHaveLength(2);
    expect(
      new Set(audio.filter((e) => e.type === 'audio-start').map((e) => JSON.stringify(e.data))).size,
    ).toBe(1);
    expect(c.events.at(-1)?.type).toBe('synthesize-stopped');
    c.close();
  }, 60_000);

  it('refuses a voice it does not offer', async () => {
    const c = await client();
    c.send('synthesize', { text: 'Hello.', voice: { name: 'de-klingon' } });
    expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_WY_UNKNOWN_VOICE' });
    c.close();
  });

  it('speaks every voice info lists, by default all the runtime offers', async () => {
    // The last of the runtime's defaults (en-us+m3) was missing from the fixed list this endpoint once had.
    for (const name of vox.engine.voices) {
      const c = await client();
      c.send('synthesize', { text: 'Hello.', voice: { name } });
      await c.nextOf('audio-stop', 30_000);
      expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
      c.close();
    }
  }, 60_000);

  it('offers the runtime voices --wyoming-voices picks, and will not start with one the runtime lacks', async () => {
    const options = { port: 0, host: '127.0.0.1', zeroconf: false } as const;
    const parts = { engine: vox.engine, admission: vox.admission, log: vox.log };
    await expect(WyomingServer.start({ ...options, voices: ['en-gb', 'de'] }, parts)).rejects.toThrow(
      /voices: de is not a voice the runtime offers/,
    );
    const picked = await WyomingServer.start({ ...options, voices: ['en-gb'] }, parts);
    try {
      const c = await WyomingClient.connect(picked.port);
      c.send('describe');
      const info = (await c.nextOf('info')).data as { tts: { voices: { name: string }[] }[] };
      expect(info.tts[0]?.voices.map((v) => v.name)).toEqual(['en-gb']);
      c.send('synthesize', { text: 'Hello.', voice: { name: 'en-us' } });
      expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_WY_UNKNOWN_VOICE' });
      c.close();
    } finally {
      await picked.close();
    }
  });
});

describe('bad connections', () => {
  /** Another client is served while and after each bad one. */
  async function stillServing(): Promise<void> {
    const c = await client();
    c.send('describe');
    await c.nextOf('info');
    c.close();
  }

  it('answers garbage with an error and closes', async () => {
    const c = await client();
    c.raw('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_WY_BAD_EVENT' });
    await c.closed;
    await stillServing();
  });

  it('answers a 100 MB data_length with an error at once and closes', async () => {
    const c = await client();
    const started = performance.now();
    c.raw('{"type": "synthesize", "data_length": 100000000}\n{"text": "');
    expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_WY_TOO_LARGE' });
    await c.closed;
    expect(performance.now() - started).toBeLessThan(5000);
    await stillServing();
  });

  /** Waits until every connection closed so far is released and no stream graph is left running. */
  async function settled(): Promise<void> {
    for (let i = 0; i < 100 && (wyoming.connectionCount > 0 || wyoming.liveGraphs > 0); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(wyoming.connectionCount).toBe(0);
    expect(wyoming.liveGraphs).toBe(0);
  }

  it('releases a connection that stops mid-event, and one that stops mid-transcription', async () => {
    await settled();
    const a = await client();
    a.raw('{"type": "audio-chunk", "data_length": 40, "payload_length": 2048}\n{"rate": 16000');
    const b = await client();
    b.send('transcribe', { language: 'en' });
    // The first half of a command: the server is still listening when the client goes.
    const half = await spoken('set the living room lights to fifty percent');
    stream(b, half.subarray(0, Math.floor(half.byteLength / 4) * 2), 16000);
    await new Promise((r) => setTimeout(r, 300));
    expect(wyoming.connectionCount).toBe(2);
    expect(wyoming.liveGraphs).toBe(1);
    a.close();
    b.close();
    await Promise.all([a.closed, b.closed]);
    await stillServing();
    await settled();
    const ended = vox.engine.metrics.registry.render();
    expect(ended).toMatch(
      /voxstream_wyoming_connections_total\{end="stopped_mid_event",transport="wyoming"\} 1/,
    );
  }, 30_000);
});

describe('access', () => {
  it('closes a connection from an address not allowed before reading anything, and serves allowed ones', async () => {
    const closed = await WyomingServer.start(
      { port: 0, host: '127.0.0.1', zeroconf: false, allowedAddresses: ['192.0.2.0/24'] },
      { engine: vox.engine, admission: vox.admission, log: vox.log },
    );
    const open = await WyomingServer.start(
      { port: 0, host: '127.0.0.1', zeroconf: false, allowedAddresses: ['127.0.0.0/8', '::1'] },
      { engine: vox.engine, admission: vox.admission, log: vox.log },
    );
    try {
      const refused = await WyomingClient.connect(closed.port);
      refused.send('describe');
      await refused.closed;
      expect(refused.events).toEqual([]);
      const allowed = await WyomingClient.connect(open.port);
      allowed.send('describe');
      await allowed.nextOf('info');
      allowed.close();
      expect(vox.engine.metrics.registry.render()).toMatch(
        /voxstream_wyoming_refused_total\{reason="address",transport="wyoming"\} 1/,
      );
    } finally {
      await Promise.all([closed.close(), open.close()]);
    }
  });
});
