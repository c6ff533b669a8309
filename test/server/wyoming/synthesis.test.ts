import { describe, expect, it } from 'vitest';
import { type SentenceVoice, Synthesis } from '../../../src/server/wyoming/synthesis.ts';

/** A fake voice: each sentence becomes one sample per character, at 22,050 Hz; it can be told to fail. */
function fakeVoice(fail?: string): SentenceVoice & { said: string[] } {
  const said: string[] = [];
  return {
    said,
    synthesize: async (text) => {
      said.push(text);
      if (text === fail) throw new Error('espeak broke');
      return { sampleRate: 22050, pcm: new Int16Array(text.length).fill(1) };
    },
  };
}

function run(voice: SentenceVoice, samplesPerChunk = 8) {
  const sent: { type: string; data: Record<string, unknown>; bytes: number }[] = [];
  const synthesis = new Synthesis(voice, samplesPerChunk, {
    send: (type, data, payload) => sent.push({ type, data, bytes: payload?.byteLength ?? 0 }),
  });
  return { synthesis, sent, types: () => sent.map((e) => e.type) };
}

describe('Synthesis', () => {
  it('speaks a plain text as one audio group, in chunks of the given size', async () => {
    const voice = fakeVoice();
    const { synthesis, sent, types } = run(voice);
    await synthesis.speak('Hello there. How are you?');
    expect(voice.said).toEqual(['Hello there.', 'How are you?']);
    // 12 and 12 samples, 8 a chunk: 2 chunks each.
    expect(types()).toEqual(['audio-start', ...Array(4).fill('audio-chunk'), 'audio-stop']);
    expect(sent[0]?.data).toEqual({ rate: 22050, width: 2, channels: 1 });
    expect(sent.filter((e) => e.type === 'audio-chunk').map((e) => e.bytes)).toEqual([16, 8, 16, 8]);
  });

  it('streams each sentence once it is complete, and ends with synthesize-stopped', async () => {
    const voice = fakeVoice();
    const { synthesis, types } = run(voice, 1024);
    synthesis.add('Turning on the ');
    synthesis.add('lights. It is sev');
    synthesis.add('en degrees');
    await new Promise((r) => setTimeout(r, 10));
    expect(voice.said).toEqual(['Turning on the lights.']);
    await synthesis.end();
    expect(voice.said).toEqual(['Turning on the lights.', 'It is seven degrees']);
    expect(types()).toEqual([
      'audio-start',
      'audio-chunk',
      'audio-stop',
      'audio-start',
      'audio-chunk',
      'audio-stop',
      'synthesize-stopped',
    ]);
  });

  it('reports a failed sentence as VX_WY_TTS_FAILED, and says nothing to speak as VX_WY_BAD_DATA', async () => {
    await expect(run(fakeVoice('Boom.')).synthesis.speak('Boom.')).rejects.toMatchObject({
      code: 'VX_WY_TTS_FAILED',
    });
    const streamed = run(fakeVoice('Boom.'));
    streamed.synthesis.add('Boom. ');
    await expect(streamed.synthesis.end()).rejects.toMatchObject({ code: 'VX_WY_TTS_FAILED' });
    expect(streamed.types()).not.toContain('synthesize-stopped');
    await expect(run(fakeVoice()).synthesis.speak('  ')).rejects.toMatchObject({ code: 'VX_WY_BAD_DATA' });
  });

  it('sends nothing more once cancelled', async () => {
    const { synthesis, types } = run(fakeVoice());
    synthesis.cancel();
    await synthesis.speak('Hello.').catch(() => undefined);
    expect(types()).toEqual([]);
  });
});
