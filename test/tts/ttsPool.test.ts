import { describe, expect, it } from 'vitest';
import { TtsPool } from '../../src/tts/index.ts';

describe('TtsPool', () => {
  it('speaks every offered voice from one worker and serves no other', async () => {
    const pool = await TtsPool.load({ workers: 1, voices: ['en-us', 'en-gb'] });
    try {
      expect(pool.voices).toEqual(['en-us', 'en-gb']);
      const us = await pool.voice('en-us')?.synthesize('Turning on the lights.');
      const gb = await pool.voice('en-gb')?.synthesize('Turning on the lights.');
      expect(us?.pcm.length).toBeGreaterThan(10_000);
      expect(gb?.pcm.length).toBeGreaterThan(10_000);
      // Two voices, two different renderings of the same words.
      expect(gb?.pcm.length).not.toBe(us?.pcm.length);
      expect(pool.voice('en-us+x1')).toBeNull();
      expect(pool.voice('__proto__')).toBeNull();
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('refuses bad options and a voice that does not speak, naming it', async () => {
    await expect(TtsPool.load({ workers: 0 })).rejects.toThrow(/workers/);
    await expect(TtsPool.load({ voices: ['en-us', '../etc'] })).rejects.toThrow(/voices/);
    await expect(TtsPool.load({ voices: ['en-us', 'zz-nosuchvoice'] })).rejects.toThrow(/zz-nosuchvoice/);
  }, 60_000);
});
