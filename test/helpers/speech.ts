import { commandVoice, speakCommand } from '../../src/bench/utterances.ts';
import { EspeakTts } from '../../src/tts/index.ts';

let tts: Promise<EspeakTts> | null = null;

/**
 * Speaks `text` with the npm espeak-ng (WASM) at 16 kHz, the way a test makes the command it streams
 * (the benchmarks' command voice, en-us+f5 at 150 wpm, not the server's reply voice), with a -80 dBFS noise floor around it.
 */
export async function speech(text: string, padMs = 300): Promise<{ sampleRate: number; pcm: Float32Array }> {
  tts ??= EspeakTts.load({ ...commandVoice, poolSize: 1 });
  return speakCommand(await tts, text, padMs);
}

/** Frees the test synthesizer. */
export async function closeSpeech(): Promise<void> {
  await (await tts)?.close();
  tts = null;
}
