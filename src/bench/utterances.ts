import { resample } from '../audio/index.ts';
import { type AudioChunks, prepareAudio } from '../client/index.ts';
import { generateSentences, loadContext } from '../context/index.ts';
import { EspeakTts } from '../tts/index.ts';
import type { Utterance } from './loadGenerator.ts';

/**
 * The voice commands are spoken with (the benchmarks' devices, the tests' commands): not the server's reply
 * voice. en-us+f5, because both acoustic models understand it, so that a benchmark measures commands being
 * understood: 60 smart_home commands (seed 5), `voxstream infer` on 2026-12-02, the CMU model 55 right in
 * en-us+f5, 53 in en-us+f2, 49 in en-us+f3 and 12 in en-us+m3 (the voice until then, whose commands it mostly
 * did not understand and so answered only after the end silence); the CTC encoder 60 of 60 in each. Synthetic
 * voices are no evidence of accuracy on people either way.
 */
export const commandVoice = { voice: 'en-us+f5', speedWpm: 150 } as const;

/**
 * Speaks `text` at 16 kHz with a -80 dBFS noise floor, padded with `padMs` before and after, as a
 * microphone would record it (digitally exact silence is unrealistic).
 */
export async function speakCommand(
  tts: EspeakTts,
  text: string,
  padMs = 300,
): Promise<{ sampleRate: number; pcm: Float32Array }> {
  const out = await tts.synthesize(text);
  const voiced = resample(
    Float32Array.from(out.pcm, (s) => s / 32768),
    out.sampleRate,
    16000,
  );
  const pad = (padMs * 16000) / 1000;
  const pcm = new Float32Array(voiced.length + 2 * pad);
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pcm[i] = ((seed / 0x7fffffff) * 2 - 1) * 1e-4;
  }
  for (let i = 0; i < voiced.length; i++)
    pcm[pad + i] = (pcm[pad + i] as number) + (voiced[i] as number) * 0.7;
  return { sampleRate: 16000, pcm };
}

/** `count` different commands of a context, spoken and cut into 20 ms PCM chunks. */
export async function commandPool(context: string, count: number, seed: number): Promise<Utterance[]> {
  const tts = await EspeakTts.load({ ...commandVoice, poolSize: 1 });
  try {
    const out: Utterance[] = [];
    for (const s of generateSentences(await loadContext(context), count, seed)) {
      const audio: AudioChunks = prepareAudio(await speakCommand(tts, s.text, 200), {
        encoding: 'pcm_s16le',
        sampleRate: 16000,
        trailingSilenceMs: 0,
      });
      out.push({ audio, intent: s.intent, slots: s.slots });
    }
    return out;
  } finally {
    await tts.close();
  }
}
