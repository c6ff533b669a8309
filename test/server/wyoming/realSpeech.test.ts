import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxServer } from '../../../src/server/index.ts';
import { WyomingClient } from '../../../src/client/index.ts';
import { WyomingServer } from '../../../src/server/wyoming/index.ts';

/**
 * The default acoustic model (CMU's en-us, trained on real speech) behind the Wyoming endpoint, on real
 * recordings of a speaker voxstream never heard (test/fixtures/real-speech/README.md), sent as Home Assistant
 * sends audio: 1024-sample chunks of the WAV's 16-bit PCM.
 */
const fixtures = fileURLToPath(new URL('../../fixtures/real-speech/', import.meta.url));

let vox: VoxServer;
let wyoming: WyomingServer;
beforeAll(async () => {
  vox = await VoxServer.start({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    contextsDir: fixtures,
    // A path, as `serve --context FILE` takes it.
    defaultContext: `${fixtures}goforward.yaml`,
    audioBurstMs: 60_000,
  });
  wyoming = await WyomingServer.start(
    { port: 0, host: '127.0.0.1', zeroconf: false },
    { engine: vox.engine, admission: vox.admission, log: vox.log },
  );
}, 120_000);
afterAll(async () => {
  await wyoming?.close();
  await vox?.close();
});

/** The PCM of a 16 kHz mono 16-bit WAV (its data chunk). */
function pcmOf(name: string): Uint8Array {
  const wav = readFileSync(`${fixtures}${name}`);
  const at = wav.indexOf('data') + 8;
  return new Uint8Array(wav.buffer, wav.byteOffset + at, wav.readUInt32LE(at - 4));
}

async function transcribe(name: string, model?: string): Promise<string> {
  const c = await WyomingClient.connect(wyoming.port);
  const format = { rate: 16000, width: 2, channels: 1 };
  c.send('transcribe', { language: 'en', ...(model ? { name: model } : {}) });
  c.send('audio-start', format);
  const pcm = pcmOf(name);
  for (let at = 0; at < pcm.byteLength; at += 2048)
    c.send('audio-chunk', format, pcm.subarray(at, at + 2048));
  c.send('audio-stop');
  const text = String((await c.nextOf('transcript', 30_000)).data['text']);
  c.close();
  return text;
}

describe('real speech over Wyoming with the default acoustic model', () => {
  it('names a default context given as a path by its file name, not the path', async () => {
    const c = await WyomingClient.connect(wyoming.port);
    c.send('describe');
    const info = (await c.nextOf('info')).data as { asr: { models: { name: string }[] }[] };
    expect(info.asr[0]?.models.map((m) => m.name)).toEqual([
      'goforward',
      'cards',
      'digits',
      'smart_home',
      'dictation',
    ]);
    c.close();
  });

  it('lists dictation as an asr model that says what it is, and no intent model of that name', async () => {
    const c = await WyomingClient.connect(wyoming.port);
    c.send('describe');
    type Models = { models: { name: string; description: string }[] }[];
    const info = (await c.nextOf('info')).data as { asr: Models; intent: Models };
    const dictation = info.asr[0]?.models.find((m) => m.name === 'dictation');
    expect(dictation?.description).toMatch(
      /^Dictation: any sequence of the \d+ words of the served contexts/,
    );
    expect(dictation?.description).toMatch(/no language model.*less accurate than a context/);
    expect(info.intent[0]?.models.map((m) => m.name)).not.toContain('dictation');
    c.close();
  });

  it('transcribes a real recording in the default context, and in the context the model name picks', async () => {
    expect(await transcribe('goforward.wav')).toBe('go forward ten meters');
    expect(await transcribe('cards-001.wav', 'cards')).toBe('ten of clubs');
  }, 60_000);

  it('transcribes free word order in dictation, where no context fits', async () => {
    // "seven of clubs" is not a goforward command (the default context): it gives an empty transcript there.
    expect(await transcribe('cards-003.wav')).toBe('');
    // Dictation's word loop holds the words of every served context; its output is not held to any grammar.
    // A tolerance, not the exact words: it has no language model (docs/wyoming.md has its measured accuracy).
    const words = (await transcribe('cards-003.wav', 'dictation')).split(' ');
    expect(words).toEqual(expect.arrayContaining(['seven', 'clubs']));
    expect(words.length).toBeLessThanOrEqual(5);
  }, 120_000);
});
