import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EspeakTts, MAX_TTS_TEXT_LENGTH, type SynthesizedSpeech, TtsError } from '../../src/tts/index.ts';

const SENTENCE = 'Turn on the kitchen lights, please.';

function peak(pcm: Int16Array): number {
  let max = 0;
  for (const sample of pcm) max = Math.max(max, Math.abs(sample));
  return max;
}

describe('EspeakTts', () => {
  let tts: EspeakTts;

  beforeAll(async () => {
    tts = await EspeakTts.load({ poolSize: 2 });
  });

  afterAll(async () => {
    await tts.close();
  });

  it('synthesizes a sentence as non-silent 16-bit PCM of plausible length', async () => {
    const speech = await tts.synthesize(SENTENCE);
    expect(tts.sampleRate).toBe(22050);
    expect(speech.sampleRate).toBe(tts.sampleRate);
    expect(speech.pcm).toBeInstanceOf(Int16Array);
    const seconds = speech.pcm.length / speech.sampleRate;
    expect(seconds).toBeGreaterThan(0.5);
    expect(seconds).toBeLessThan(5);
    expect(peak(speech.pcm)).toBeGreaterThan(3000);
    // espeak-ng's exit status must not leak into the host process.
    expect(process.exitCode).toBeUndefined();
  });

  it('gives identical audio across 5 sequential pooled calls', async () => {
    const first = await tts.synthesize(SENTENCE);
    for (let i = 0; i < 5; i++) {
      const again = await tts.synthesize(SENTENCE);
      expect(again.pcm).toEqual(first.pcm);
    }
  });

  it('serves 3 concurrent calls (more than the pool holds) with the right audio each', async () => {
    const texts = ['Hello there.', 'The coffee is ready.', 'Setting a timer for ten minutes.'];
    const expected: SynthesizedSpeech[] = [];
    for (const text of texts) expected.push(await tts.synthesize(text));
    const results = await Promise.all(texts.map((text) => tts.synthesize(text)));
    results.forEach((result, i) => expect(result.pcm).toEqual(expected[i]?.pcm));
    // Longer text, longer audio: the results are not mixed up.
    expect(results[2]!.pcm.length).toBeGreaterThan(results[0]!.pcm.length);
  });

  it('speaks option-like text instead of obeying it', async () => {
    const speech = await tts.synthesize('-v xx --stdout -w /etc/passwd [[h@loU]]');
    expect(peak(speech.pcm)).toBeGreaterThan(3000);
  });

  it('rejects bad text with VX_TTS_TEXT', async () => {
    const tooLong = 'a'.repeat(MAX_TTS_TEXT_LENGTH + 1);
    await expect(tts.synthesize(tooLong)).rejects.toMatchObject({ name: 'TtsError', code: 'VX_TTS_TEXT' });
    await expect(tts.synthesize(42 as unknown as string)).rejects.toBeInstanceOf(TtsError);
    await expect(tts.synthesize(42 as unknown as string)).rejects.toMatchObject({ code: 'VX_TTS_TEXT' });
  });

  it('returns no samples for blank text', async () => {
    const speech = await tts.synthesize(' \n\t ');
    expect(speech.pcm.length).toBe(0);
    expect(speech.sampleRate).toBe(22050);
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(tts.synthesize(SENTENCE, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('EspeakTts without a pool', () => {
  it('aborts a request waiting for an instance, then still works', async () => {
    const tts = await EspeakTts.load({ poolSize: 0 });
    try {
      const controller = new AbortController();
      const pending = tts.synthesize(SENTENCE, controller.signal);
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      const speech = await tts.synthesize(SENTENCE);
      expect(peak(speech.pcm)).toBeGreaterThan(3000);
    } finally {
      await tts.close();
    }
  });

  it('rejects with VX_TTS_BUSY past maxWaiting, and VX_TTS_CLOSED after close', async () => {
    const tts = await EspeakTts.load({ poolSize: 0, maxWaiting: 1 });
    const waiting = tts.synthesize('One.');
    await expect(tts.synthesize('Two.')).rejects.toMatchObject({ code: 'VX_TTS_BUSY' });
    expect((await waiting).pcm.length).toBeGreaterThan(0);
    const closing = tts.synthesize('Three.');
    await tts.close();
    await tts.close();
    await expect(closing).rejects.toMatchObject({ code: 'VX_TTS_CLOSED' });
    await expect(tts.synthesize('Four.')).rejects.toMatchObject({ code: 'VX_TTS_CLOSED' });
  });
});

describe('EspeakTts.load', () => {
  it('names the bad option', async () => {
    await expect(EspeakTts.load({ speedWpm: 20 })).rejects.toThrow(/^speedWpm:/);
    await expect(EspeakTts.load({ poolSize: -1 })).rejects.toThrow(/^poolSize:/);
    await expect(EspeakTts.load({ voice: '-w /tmp/x' })).rejects.toThrow(/^voice:/);
  });

  it('rejects a voice espeak-ng does not have', async () => {
    await expect(EspeakTts.load({ voice: 'xx-nope', poolSize: 0 })).rejects.toThrow(TypeError);
  });
});
