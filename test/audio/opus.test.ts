import { describe, expect, it } from 'vitest';
import { AudioError } from '../../src/audio/errors.ts';
import { OPUS_ENCODER_PRESKIP_48K, OpusDecoderStream, OpusEncoderStream } from '../../src/audio/opus.ts';

function tones(sampleRate: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, n) =>
    Math.round(
      8000 * Math.sin((2 * Math.PI * 440 * n) / sampleRate) +
        4000 * Math.sin((2 * Math.PI * 1300 * n) / sampleRate),
    ),
  );
}

/** Normalised correlation of `a` with `b` delayed by `lag` samples, from sample `from` of `a` on. */
function correlation(a: Int16Array, b: Int16Array, lag: number, from: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let n = from; n + lag < b.length && n < a.length; n++) {
    const x = a[n] as number;
    const y = b[n + lag] as number;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / Math.sqrt(aa * bb);
}

function concat(chunks: Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((o, c) => (out.set(c, o), o + c.length), 0);
  return out;
}

describe('OpusEncoderStream / OpusDecoderStream', () => {
  it.each([16000, 48000])('round-trips tones at %i Hz through 20 ms packets', (sampleRate) => {
    const input = tones(sampleRate, sampleRate / 2 + 123); // not a whole number of frames
    const encoder = new OpusEncoderStream({ sampleRate });
    const frameSamples = sampleRate / 50;
    expect(encoder.frameSamples).toBe(frameSamples);
    const packets: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 777)
      packets.push(...encoder.push(input.subarray(at, at + 777)));
    packets.push(...encoder.flush());
    expect(packets).toHaveLength(Math.ceil(input.length / frameSamples));
    expect(encoder.flush()).toEqual([]);

    const decoder = new OpusDecoderStream({ sampleRate });
    const output = concat(packets.map((p) => decoder.decode(p)));
    expect(output.length).toBe(packets.length * frameSamples);
    // libopus delays its output by its 6.5 ms look-ahead (312 samples at 48 kHz).
    const delay = (OPUS_ENCODER_PRESKIP_48K * sampleRate) / 48000;
    // Skip the first 100 ms, where the encoder is still adapting (worst at 48 kHz and 32 kb/s).
    expect(correlation(input, output, delay, sampleRate / 10)).toBeGreaterThan(0.98);
  });

  it('accepts Float32Array PCM and pads the last frame with silence', () => {
    const encoder = new OpusEncoderStream({ sampleRate: 16000 });
    expect(encoder.push(new Float32Array(319).fill(0.25))).toEqual([]);
    const [last, ...rest] = encoder.flush();
    expect(rest).toEqual([]);
    expect(new OpusDecoderStream({ sampleRate: 16000 }).decode(last as Uint8Array).length).toBe(320);
  });

  it('turns corrupt packets into VX_BAD_OPUS and keeps decoding afterwards', () => {
    const encoder = new OpusEncoderStream({ sampleRate: 16000 });
    const [good] = encoder.push(tones(16000, 320));
    const decoder = new OpusDecoderStream({ sampleRate: 16000 });
    for (const garbage of [
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1, 2, 3),
      Uint8Array.of(0x03),
      new Uint8Array(0),
    ]) {
      let error: unknown;
      try {
        decoder.decode(garbage);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AudioError);
      expect(error).toMatchObject({ code: 'VX_BAD_OPUS', name: 'AudioError' });
    }
    expect(decoder.decode(good as Uint8Array).length).toBe(320);
  });

  it('never fails with anything but AudioError on random bytes', () => {
    const decoder = new OpusDecoderStream({ sampleRate: 48000 });
    let seed = 1;
    const rand = (): number => (seed = (seed * 16807) % 2147483647) & 0xff;
    let rejected = 0;
    for (let i = 0; i < 500; i++) {
      const packet = Uint8Array.from({ length: 1 + (i % 200) }, rand);
      try {
        const pcm = decoder.decode(packet);
        expect(pcm.length).toBeLessThanOrEqual(5760);
      } catch (e) {
        expect(e).toBeInstanceOf(AudioError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('validates options, naming the field', () => {
    expect(() => new OpusDecoderStream({ sampleRate: 44100 })).toThrow(/sampleRate/);
    expect(() => new OpusEncoderStream({ bitrate: 10 })).toThrow(/bitrate/);
  });
});
