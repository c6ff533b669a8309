import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CachedTts, EspeakTts } from '../../src/tts/index.ts';

describe('CachedTts', () => {
  let tts: CachedTts;
  beforeAll(async () => {
    tts = new CachedTts(await EspeakTts.load({ poolSize: 1 }));
  }, 60_000);
  afterAll(() => tts.close());

  it('returns speech at the rate asked for, keeps it per rate, and answers repeats from the cache', async () => {
    const native = await tts.synthesize('Turning on the kitchen lights.');
    const at16k = await tts.synthesize('Turning on the kitchen lights.', undefined, 16000);
    expect(native.sampleRate).toBe(tts.sampleRate);
    expect(at16k.sampleRate).toBe(16000);
    // The same duration at the new rate, to within a sample.
    expect(
      Math.abs(at16k.pcm.length - Math.ceil((native.pcm.length * 16000) / native.sampleRate)),
    ).toBeLessThanOrEqual(1);
    expect(tts.misses).toBe(2);
    const again = await tts.synthesize('Turning on the kitchen lights.', undefined, 16000);
    expect(again).toBe(at16k);
    expect(tts.hits).toBe(1);
  });
});
