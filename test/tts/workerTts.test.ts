import { describe, expect, it } from 'vitest';
import { WorkerTts } from '../../src/tts/index.ts';

describe('WorkerTts', () => {
  it('speaks in its worker, keeps the worker’s error codes, drops an aborted request and refuses after close', async () => {
    const tts = await WorkerTts.load({ voice: 'en-us' });
    try {
      const speech = await tts.synthesize('Turning on the lights.');
      expect(speech.sampleRate).toBe(tts.sampleRate);
      expect(speech.pcm.length).toBeGreaterThan(10_000);
      await expect(tts.speak('Hello.', 'not a voice!')).rejects.toMatchObject({
        name: 'TtsError',
        code: 'VX_TTS_TEXT',
      });
      const controller = new AbortController();
      const aborted = tts.synthesize('A sentence nobody will hear.', controller.signal);
      controller.abort(new Error('barge-in'));
      await expect(aborted).rejects.toThrow('barge-in');
      expect(tts.waiting).toBe(0);
    } finally {
      await tts.close();
      await tts.close();
    }
    await expect(tts.synthesize('Too late.')).rejects.toMatchObject({
      name: 'TtsError',
      code: 'VX_TTS_CLOSED',
      message: 'the TTS engine is closed',
    });
  }, 60_000);

  it('refuses a voice that does not load, naming it', async () => {
    await expect(WorkerTts.load({ voice: '../etc' })).rejects.toThrow('TTS voice "../etc" failed to load');
  }, 60_000);
});
