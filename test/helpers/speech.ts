import { resample } from '../../src/audio/index.ts';
import { EspeakTts } from '../../src/tts/index.ts';

let tts: Promise<EspeakTts> | null = null;

/**
 * Speaks `text` with the npm espeak-ng (WASM) at 16 kHz, the way a test makes the command it streams.
 * The voice (en-us+m3 at 150 wpm) is not the server's reply voice. Padded with `padMs` of a -80 dBFS noise
 * floor before and after, as a microphone would record it.
 */
export async function speech(text: string, padMs = 300): Promise<{ sampleRate: number; pcm: Float32Array }> {
  tts ??= EspeakTts.load({ voice: 'en-us+m3', speedWpm: 150, poolSize: 1 });
  const out = await (await tts).synthesize(text);
  const voiced = resample(Float32Array.from(out.pcm, (s) => s / 32768), out.sampleRate, 16000);
  const pad = (padMs * 16000) / 1000;
  const pcm = new Float32Array(voiced.length + 2 * pad);
  let seed = 1;
  for (let i = 0; i < pcm.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pcm[i] = ((seed / 0x7fffffff) * 2 - 1) * 1e-4;
  }
  for (let i = 0; i < voiced.length; i++) pcm[pad + i] = (pcm[pad + i] as number) + (voiced[i] as number) * 0.7;
  return { sampleRate: 16000, pcm };
}

/** Frees the test synthesizer. */
export async function closeSpeech(): Promise<void> {
  await (await tts)?.close();
  tts = null;
}
