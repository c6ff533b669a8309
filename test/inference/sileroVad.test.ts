import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SILERO_SAMPLE_RATE,
  SILERO_WINDOW_SAMPLES,
  SileroVad,
  type SileroVadStream,
} from '../../src/inference/sileroVad.ts';
import { EspeakTts } from '../../src/tts/index.ts';

/** Int16 PCM → Float32 in [-1, 1], resampled by linear interpolation (good enough for a VAD test). */
function toFloat16k(pcm: Int16Array, sampleRate: number): Float32Array {
  const length = Math.floor((pcm.length * SILERO_SAMPLE_RATE) / sampleRate);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const position = (i * sampleRate) / SILERO_SAMPLE_RATE;
    const left = Math.floor(position);
    const a = pcm[left] ?? 0;
    const b = pcm[left + 1] ?? a;
    out[i] = (a + (b - a) * (position - left)) / 32768;
  }
  return out;
}

function windowsOf(audio: Float32Array): Float32Array[] {
  const windows: Float32Array[] = [];
  for (let start = 0; start + SILERO_WINDOW_SAMPLES <= audio.length; start += SILERO_WINDOW_SAMPLES) {
    windows.push(audio.slice(start, start + SILERO_WINDOW_SAMPLES));
  }
  return windows;
}

/** Scores `windows` one after another on one stream, each in a batch of its own. */
async function runSequential(
  vad: SileroVad,
  stream: SileroVadStream,
  windows: Float32Array[],
): Promise<number[]> {
  const probabilities: number[] = [];
  for (const window of windows) probabilities.push(...(await vad.runBatch([stream], [window])));
  return probabilities;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe('SileroVad', () => {
  let vad: SileroVad;
  /** 1 s of silence, a spoken sentence, 1 s of silence; 16 kHz. */
  let audio: Float32Array;
  let speechSamples: number;

  beforeAll(async () => {
    const tts = await EspeakTts.load({ poolSize: 0 });
    try {
      const speech = await tts.synthesize(
        'Please turn on the kitchen lights and set the oven to two hundred degrees.',
      );
      const speech16k = toFloat16k(speech.pcm, speech.sampleRate);
      speechSamples = speech16k.length;
      audio = new Float32Array(2 * SILERO_SAMPLE_RATE + speechSamples);
      audio.set(speech16k, SILERO_SAMPLE_RATE);
    } finally {
      await tts.close();
    }
    vad = await SileroVad.load();
  });

  afterAll(async () => {
    await vad?.release();
  });

  it('scores speech high and the silence around it low', async () => {
    const probabilities = await runSequential(vad, vad.createStream(), windowsOf(audio));
    const windowAt = (sample: number) => Math.floor(sample / SILERO_WINDOW_SAMPLES);
    const speechStart = windowAt(SILERO_SAMPLE_RATE);
    const speechEnd = windowAt(SILERO_SAMPLE_RATE + speechSamples);
    // The middle half of the sentence: speech, allowing for short gaps between words.
    const quarter = Math.floor((speechEnd - speechStart) / 4);
    const middle = probabilities.slice(speechStart + quarter, speechEnd - quarter);
    expect(median(middle)).toBeGreaterThan(0.5);
    expect(Math.max(...middle)).toBeGreaterThan(0.9);
    // Leading silence, and trailing silence once 250 ms have passed (the model's state decays).
    const leading = probabilities.slice(0, speechStart - 1);
    const trailing = probabilities.slice(speechEnd + windowAt(0.25 * SILERO_SAMPLE_RATE) + 1);
    expect(leading.length + trailing.length).toBeGreaterThan(40);
    for (const p of [...leading, ...trailing]) expect(p).toBeLessThan(0.2);
  });

  it('gives the same probabilities batched as sequentially, within 1e-4', async () => {
    const windows = windowsOf(audio);
    // Four users hearing the sentence at different gains and offsets.
    const inputs = [1, 0.5, 0.25, 0.8].map((gain, user) =>
      windows.map((_, w) => (windows[(w + 7 * user) % windows.length] as Float32Array).map((x) => x * gain)),
    );
    const sequential = await Promise.all(
      inputs.map((userWindows) => runSequential(vad, vad.createStream(), userWindows)),
    );
    const streams = inputs.map(() => vad.createStream());
    const batched: number[][] = inputs.map(() => []);
    for (let w = 0; w < windows.length; w++) {
      const result = await vad.runBatch(
        streams,
        inputs.map((userWindows) => userWindows[w] as Float32Array),
      );
      result.forEach((p, user) => batched[user]?.push(p));
    }
    for (let user = 0; user < inputs.length; user++) {
      const expected = sequential[user] as number[];
      (batched[user] as number[]).forEach((p, w) =>
        expect(Math.abs(p - (expected[w] as number))).toBeLessThan(1e-4),
      );
    }
  });

  it('runs a stream listed twice in one batch in order', async () => {
    const windows = windowsOf(audio).slice(30, 34);
    const expected = await runSequential(vad, vad.createStream(), windows);
    const stream = vad.createStream();
    const other = vad.createStream();
    const result = await vad.runBatch(
      [stream, other, stream, stream, stream],
      [windows[0]!, windows[0]!, windows[1]!, windows[2]!, windows[3]!],
    );
    const mine = [result[0]!, result[2]!, result[3]!, result[4]!];
    mine.forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-4));
    expect(Math.abs(result[1]! - expected[0]!)).toBeLessThan(1e-4);
  });

  it('gives the same probabilities with its model in a worker thread, within 1e-4', async () => {
    const windows = windowsOf(audio).slice(25, 40);
    const expected = await runSequential(vad, vad.createStream(), windows);
    const inWorker = await SileroVad.load({ worker: true });
    try {
      const got = await runSequential(inWorker, inWorker.createStream(), windows);
      got.forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThan(1e-4));
    } finally {
      await inWorker.release();
    }
  });

  it('starts over after reset', async () => {
    const windows = windowsOf(audio).slice(25, 40);
    const stream = vad.createStream();
    const first = await runSequential(vad, stream, windows);
    stream.reset();
    expect(await runSequential(vad, stream, windows)).toEqual(first);
  });

  it('rejects windows that are not 512 samples and a stream run twice at once', async () => {
    const stream = vad.createStream();
    const silence = new Float32Array(SILERO_WINDOW_SAMPLES);
    await expect(vad.runBatch([stream], [new Float32Array(480)])).rejects.toMatchObject({
      code: 'VX_VAD_WINDOW',
    });
    await expect(vad.runBatch([stream], [])).rejects.toMatchObject({ code: 'VX_VAD_WINDOW' });
    const running = vad.runBatch([stream], [silence]);
    await expect(vad.runBatch([stream], [silence])).rejects.toMatchObject({ code: 'VX_VAD_BUSY' });
    await running;
  });
});

describe('SileroVad.release', () => {
  it('is idempotent and makes later runs reject', async () => {
    const vad = await SileroVad.load();
    const stream = vad.createStream();
    const silence = new Float32Array(SILERO_WINDOW_SAMPLES);
    try {
      const [p] = await vad.runBatch([stream], [silence]);
      expect(p).toBeLessThan(0.2);
    } finally {
      await vad.release();
      await vad.release();
    }
    await expect(vad.runBatch([stream], [silence])).rejects.toMatchObject({ code: 'VX_VAD_RELEASED' });
  });
});
