import { describe, expect, it } from 'vitest';
import { SessionClock } from '../../src/metrics/index.ts';
import type { StreamItem } from '../../src/pipeline/items.ts';
import { type SpeechSynthesizer, speak } from '../../src/pipeline/speak.ts';
import { kinds, runStage } from '../helpers/stage.ts';

/** A synthesizer that answers each sentence with 100 ms of a quiet tone at 16 kHz, and records the sentences. */
function fakeTts(): SpeechSynthesizer & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    synthesize: async (text) => {
      said.push(text);
      const pcm = Int16Array.from({ length: 1600 }, (_, i) => Math.round(1000 * Math.sin(i / 5)));
      return { sampleRate: 16000, pcm };
    },
  };
}

const reply = (utterance: number, text: string): StreamItem => ({
  kind: 'reply',
  utterance,
  text,
  speechEndWall: performance.now(),
  speechEndMs: 1000,
});

describe('speak', () => {
  const options = { enabled: true, encoding: 'pcm_s16le' as const, sampleRate: 16000 };

  it('speaks a reply sentence by sentence, times it, and then says the reply is done', async () => {
    const tts = fakeTts();
    const clock = new SessionClock();
    const out = await runStage(speak(tts, clock, options), [reply(1, 'Done. The lights are on.')]);
    expect(tts.said).toEqual(['Done.', 'The lights are on.']);
    const seen = kinds(out);
    expect(seen[0]).toBe('tts_start');
    expect(seen.at(-1)).toBe('tts_end');
    const bytes = out.reduce((n, f) => n + (f.kind === 'binary' ? f.bytes.byteLength : 0), 0);
    expect(bytes).toBe(2 * 2 * 1600);
    expect(out.at(-1)).toEqual({ kind: 'replyDone', utterance: 1, speechEndMs: 1000 });
    expect(Object.keys(clock.take(1)).sort()).toEqual(['firstAudio', 'tts']);
  });

  it('sends nothing but replyDone when replies are off or the text is empty', async () => {
    for (const [enabled, text] of [
      [false, 'Hello.'],
      [true, ''],
    ] as const) {
      const tts = fakeTts();
      const out = await runStage(speak(tts, new SessionClock(), { ...options, enabled }), [reply(2, text)]);
      expect(tts.said).toEqual([]);
      expect(out).toEqual([{ kind: 'replyDone', utterance: 2, speechEndMs: 1000 }]);
    }
  });

  it('stops a reply in progress when the next utterance starts (barge-in)', async () => {
    let release: () => void = () => {};
    const slow: SpeechSynthesizer = {
      synthesize: (_text, signal) =>
        new Promise((resolve, reject) => {
          release = () => resolve({ sampleRate: 16000, pcm: new Int16Array(160) });
          signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    };
    const out = await runStage(speak(slow, new SessionClock(), options), [
      reply(1, 'A long answer.'),
      { kind: 'utteranceStart', utterance: 2, atMs: 0 },
    ]);
    release();
    expect(kinds(out)).toEqual(['tts_interrupted']);
    expect(out.some((f) => f.kind === 'replyDone')).toBe(false);
  });
});
