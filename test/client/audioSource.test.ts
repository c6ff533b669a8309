import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { bytesToInt16, float32ToInt16, OpusDecoderStream } from '../../src/audio/index.ts';
import { prepareAudio, streamAudio, type AudioChunks, type AudioSink } from '../../src/client/audioSource.ts';
import { ClientError } from '../../src/client/errors.ts';

/** `seconds` of a 440 Hz tone at amplitude 0.5, then `silenceSec` of zeros. */
function tone(sampleRate: number, seconds: number, silenceSec = 0): Float32Array {
  const pcm = new Float32Array(Math.round((seconds + silenceSec) * sampleRate));
  const voiced = Math.round(seconds * sampleRate);
  for (let n = 0; n < voiced; n++) pcm[n] = 0.5 * Math.sin((2 * Math.PI * 440 * n) / sampleRate);
  return pcm;
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** A sink that records when each chunk arrived; `delayAt` makes one send take `delayMs` (backpressure). */
class RecordingSink implements AudioSink {
  readonly times: number[] = [];
  readonly chunks: Uint8Array[] = [];
  constructor(private readonly delay: { at: number; ms: number } | null = null) {}
  async sendAudio(bytes: Uint8Array): Promise<void> {
    this.times.push(performance.now());
    this.chunks.push(bytes);
    if (this.delay !== null && this.chunks.length - 1 === this.delay.at) {
      await new Promise((resolve) => setTimeout(resolve, this.delay?.ms));
    }
  }
}

describe('prepareAudio', () => {
  it('cuts 16 kHz PCM into 20 ms chunks, appends 1 s of silence and finds the last sound', () => {
    const pcm = tone(16000, 0.5, 0.5);
    const audio = prepareAudio({ sampleRate: 16000, pcm });
    expect(audio).toMatchObject({ encoding: 'pcm_s16le', sampleRate: 16000, chunkMs: 20, audioChunks: 50 });
    expect(audio.chunks).toHaveLength(100);
    expect(audio.chunks.every((c) => c.byteLength === 640)).toBe(true);
    expect(audio.speechEndChunk).toBe(24); // the tone ends at 0.5 s = the end of chunk 24
    const wire = concat(audio.chunks.map((c) => bytesToInt16(c)));
    expect(wire.subarray(0, pcm.length)).toEqual(float32ToInt16(pcm));
    expect(wire.subarray(pcm.length).every((s) => s === 0)).toBe(true);
  });

  it('keeps a rate the server accepts, resamples others to 16 kHz, and honours an explicit rate', () => {
    const cd = prepareAudio({ sampleRate: 44100, pcm: tone(44100, 0.2) }, { trailingSilenceMs: 0 });
    expect(cd.sampleRate).toBe(44100);
    expect(cd.chunks[0]?.byteLength).toBe(882 * 2);

    const odd = prepareAudio({ sampleRate: 22050, pcm: tone(22050, 1) }, { trailingSilenceMs: 0 });
    expect(odd.sampleRate).toBe(16000);
    const samples = odd.chunks.reduce((n, c) => n + c.byteLength / 2, 0);
    expect(samples).toBe(16000);
    expect(odd.speechEndChunk).toBe(49);

    const down = prepareAudio(
      { sampleRate: 48000, pcm: tone(48000, 1) },
      { sampleRate: 16000, trailingSilenceMs: 0 },
    );
    expect(down.chunks).toHaveLength(50);
    // Resampled, the tone keeps its level: RMS of a 0.5 sine is 0.354 (= 11585 in int16).
    const mid = bytesToInt16(down.chunks[25] as Uint8Array);
    const rms = Math.sqrt(mid.reduce((e, s) => e + s * s, 0) / mid.length);
    expect(rms).toBeGreaterThan(11000);
    expect(rms).toBeLessThan(12200);
  });

  it('reports an all-silent file with speechEndChunk -1', () => {
    expect(prepareAudio({ sampleRate: 16000, pcm: new Float32Array(16000) }).speechEndChunk).toBe(-1);
  });

  it.each([16000, 48000])(
    'encodes 20 ms Opus packets at %i Hz that decode back to the audio',
    (sampleRate) => {
      const pcm = tone(sampleRate, 0.5);
      const audio = prepareAudio(
        { sampleRate, pcm },
        { encoding: 'opus', sampleRate, trailingSilenceMs: 200 },
      );
      expect(audio).toMatchObject({ encoding: 'opus', sampleRate, audioChunks: 25, speechEndChunk: 24 });
      expect(audio.chunks).toHaveLength(35);
      const decoder = new OpusDecoderStream({ sampleRate });
      const frames = audio.chunks.map((packet) => decoder.decode(packet));
      expect(frames.every((f) => f.length === sampleRate / 50)).toBe(true);
      const decoded = concat(frames);
      // Encoder look-ahead: 312 samples at 48 kHz. Compare the middle after undoing it.
      const lag = (312 * sampleRate) / 48000;
      const reference = float32ToInt16(pcm);
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let n = sampleRate / 10; n < (4 * sampleRate) / 10; n++) {
        const x = reference[n] as number;
        const y = decoded[n + lag] as number;
        ab += x * y;
        aa += x * x;
        bb += y * y;
      }
      expect(ab / Math.sqrt(aa * bb)).toBeGreaterThan(0.95);
      // The appended silence decodes to (near) silence.
      const tail = decoded.subarray(decoded.length - sampleRate / 10);
      expect(Math.max(...tail.map(Math.abs))).toBeLessThan(200);
    },
  );

  it('names the bad field', () => {
    const audio = { sampleRate: 16000, pcm: new Float32Array(160) };
    expect(() => prepareAudio(audio, { sampleRate: 22050 })).toThrow(/sampleRate for pcm_s16le .* 22050/);
    expect(() => prepareAudio(audio, { encoding: 'opus', sampleRate: 44100 })).toThrow(/sampleRate for opus/);
    expect(() => prepareAudio(audio, { trailingSilenceMs: -1 })).toThrow(/trailingSilenceMs/);
    expect(() => prepareAudio(audio, { encoding: 'mp3' as 'opus' })).toThrow(/encoding/);
  });
});

describe('streamAudio', () => {
  const second: AudioChunks = prepareAudio(
    { sampleRate: 16000, pcm: tone(16000, 1) },
    { trailingSilenceMs: 0 },
  );

  it('paces 1 s of audio over about 1 s in real time, each chunk on its i·20 ms schedule', async () => {
    const sink = new RecordingSink();
    const marks: number[] = [];
    const result = await streamAudio(sink, second, {
      realtime: true,
      onSpeechEndSent: (at) => marks.push(at),
    });
    expect(result.chunksSent).toBe(50);
    const elapsed = result.finishedAt - result.startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(980 - 1);
    expect(elapsed).toBeLessThan(1300);
    sink.times.forEach((t, i) => {
      expect(t - result.startedAt).toBeGreaterThanOrEqual(i * 20 - 0.5); // never early
    });
    // Stamped just before the chunk is handed to the sink.
    expect(sink.times[49]! - result.speechEndSentAt!).toBeGreaterThanOrEqual(0);
    expect(sink.times[49]! - result.speechEndSentAt!).toBeLessThan(2);
    expect(result.audioEndSentAt).toBe(result.speechEndSentAt);
    expect(marks).toEqual([result.speechEndSentAt]);
  });

  it('does not drift: after a stall it catches up with the schedule', async () => {
    const sink = new RecordingSink({ at: 10, ms: 100 });
    const result = await streamAudio(sink, second, { realtime: true });
    // Chunk 11 is late by the stall; the ones after go out back to back until the schedule is met again.
    expect(sink.times[11]! - result.startedAt).toBeGreaterThanOrEqual(300);
    expect(sink.times[20]! - result.startedAt).toBeLessThan(400 + 60);
    expect(result.finishedAt - result.startedAt).toBeLessThan(1300);
    expect(result.maxLatenessMs).toBeGreaterThanOrEqual(75); // chunk 11: due at 220 ms, sent at ~300 ms
  });

  it('sends as fast as the sink accepts when not realtime', async () => {
    const sink = new RecordingSink();
    const result = await streamAudio(sink, second, { realtime: false });
    expect(sink.chunks).toEqual(second.chunks);
    expect(result.finishedAt - result.startedAt).toBeLessThan(300);
    expect(result.maxLatenessMs).toBe(0);
  });

  it('runs at most aheadMs ahead of real time when fast with an allowance', async () => {
    const sink = new RecordingSink();
    const result = await streamAudio(sink, second, { realtime: false, aheadMs: 600 });
    expect(result.chunksSent).toBe(50);
    // The first 600 ms (30 chunks, and the 31st due at once) go out back to back; the rest in real time after.
    expect(sink.times[30]! - result.startedAt).toBeLessThan(150);
    sink.times.forEach((t, i) => {
      expect(t - result.startedAt).toBeGreaterThanOrEqual(i * 20 - 600 - 0.5); // never further ahead
    });
    expect(result.finishedAt - result.startedAt).toBeGreaterThanOrEqual(49 * 20 - 600 - 0.5);
    expect(result.maxLatenessMs).toBe(0);
  });

  it('stops sending when aborted and rejects with VX_ABORTED', async () => {
    const sink = new RecordingSink();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 110);
    const error = await streamAudio(sink, second, { realtime: true, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe('VX_ABORTED');
    const sent = sink.chunks.length;
    expect(sent).toBeGreaterThanOrEqual(5);
    expect(sent).toBeLessThanOrEqual(8);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sink.chunks).toHaveLength(sent);
  });
});
