import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';

interface WavSpec {
  tag: number;
  bits: number;
  channels: number;
  sampleRate: number;
  data: Uint8Array;
  extensible?: boolean;
  dataSize?: number;
  chunksBefore?: Array<[string, Uint8Array]>;
}

function chunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  const out = new Uint8Array(8 + body.length + (body.length % 2));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
  view.setUint32(4, declared, true);
  out.set(body, 8);
  return out;
}

function makeWav(spec: WavSpec): Uint8Array {
  const fmt = new Uint8Array(spec.extensible ? 40 : 16);
  const v = new DataView(fmt.buffer);
  v.setUint16(0, spec.extensible ? 0xfffe : spec.tag, true);
  v.setUint16(2, spec.channels, true);
  v.setUint32(4, spec.sampleRate, true);
  v.setUint32(8, (spec.sampleRate * spec.channels * spec.bits) / 8, true);
  v.setUint16(12, (spec.channels * spec.bits) / 8, true);
  v.setUint16(14, spec.bits, true);
  if (spec.extensible) {
    v.setUint16(16, 22, true);
    v.setUint16(18, spec.bits, true);
    v.setUint32(20, spec.channels === 2 ? 3 : 4, true);
    v.setUint16(24, spec.tag, true); // sub-format GUID 0000xxxx-0000-0010-8000-00aa00389b71
    fmt.set([0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71], 26);
  }
  const parts = [
    ...(spec.chunksBefore ?? []).map(([id, body]) => chunk(id, body)),
    chunk('fmt ', fmt),
    chunk('data', spec.data, spec.dataSize),
  ];
  const body = new Uint8Array(4 + parts.reduce((n, p) => n + p.length, 0));
  body.set([0x57, 0x41, 0x56, 0x45]); // WAVE
  parts.reduce((o, p) => (body.set(p, o), o + p.length), 4);
  return chunk('RIFF', body);
}

function bytesOf(
  values: number[],
  write: (view: DataView, offset: number, value: number) => void,
  width: number,
) {
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => write(view, i * width, value));
  return out;
}

describe('decodeWav', () => {
  it('decodes 8-bit unsigned PCM', () => {
    const wav = decodeWav(
      makeWav({ tag: 1, bits: 8, channels: 1, sampleRate: 8000, data: Uint8Array.of(0, 128, 255, 64) }),
    );
    expect(wav.sampleRate).toBe(8000);
    expect(Array.from(wav.channels[0] as Float32Array)).toEqual([-1, 0, 127 / 128, -0.5]);
  });

  it('decodes interleaved 16-bit stereo, skipping unknown chunks', () => {
    const data = bytesOf([1000, -1000, 32767, -32768], (v, o, x) => v.setInt16(o, x, true), 2);
    const wav = decodeWav(
      makeWav({
        tag: 1,
        bits: 16,
        channels: 2,
        sampleRate: 44100,
        data,
        chunksBefore: [
          ['LIST', new Uint8Array(5)],
          ['junk', new Uint8Array(2)],
        ],
      }),
    );
    expect(wav.sampleRate).toBe(44100);
    expect(Array.from(wav.channels[0] as Float32Array)).toEqual([1000 / 32768, 32767 / 32768]);
    expect(Array.from(wav.channels[1] as Float32Array)).toEqual([-1000 / 32768, -1]);
  });

  it('decodes 24-bit and 32-bit integer PCM, plain and extensible', () => {
    const values24 = [0x7fffff, -0x800000, 1, -1];
    const data24 = bytesOf(
      values24,
      (v, o, x) => {
        v.setUint16(o, x & 0xffff, true);
        v.setInt8(o + 2, x >> 16);
      },
      3,
    );
    for (const extensible of [false, true]) {
      const wav = decodeWav(
        makeWav({ tag: 1, bits: 24, channels: 1, sampleRate: 48000, data: data24, extensible }),
      );
      expect(Array.from(wav.channels[0] as Float32Array)).toEqual(
        values24.map((x) => Math.fround(x / 2 ** 23)),
      );
    }
    const values32 = [2 ** 31 - 1, -(2 ** 31), 65536];
    const data32 = bytesOf(values32, (v, o, x) => v.setInt32(o, x, true), 4);
    const wav = decodeWav(
      makeWav({ tag: 1, bits: 32, channels: 1, sampleRate: 16000, data: data32, extensible: true }),
    );
    expect(Array.from(wav.channels[0] as Float32Array)).toEqual(
      values32.map((x) => Math.fround(x / 2 ** 31)),
    );
  });

  it('decodes 32-bit float, plain and extensible, unclipped', () => {
    const values = [0.25, -0.75, 1.5];
    const data = bytesOf(values, (v, o, x) => v.setFloat32(o, x, true), 4);
    for (const extensible of [false, true]) {
      const wav = decodeWav(makeWav({ tag: 3, bits: 32, channels: 1, sampleRate: 22050, data, extensible }));
      expect(Array.from(wav.channels[0] as Float32Array)).toEqual(values);
    }
  });

  it('reads to the end of the file when the data size is 0, 0xFFFFFFFF or too large', () => {
    const data = bytesOf([1, 2, 3], (v, o, x) => v.setInt16(o, x, true), 2);
    for (const dataSize of [0, 0xffffffff, 1000]) {
      const wav = decodeWav(makeWav({ tag: 1, bits: 16, channels: 1, sampleRate: 16000, data, dataSize }));
      expect(Array.from(wav.channels[0] as Float32Array)).toEqual([1, 2, 3].map((x) => x / 32768));
    }
  });

  it('rejects malformed and unsupported files with VX_BAD_AUDIO', () => {
    const bad = expect.objectContaining({ name: 'AudioError', code: 'VX_BAD_AUDIO' });
    expect(() => decodeWav(new TextEncoder().encode('OggS not a wav'))).toThrow(bad);
    const data = new Uint8Array(4);
    expect(() => decodeWav(makeWav({ tag: 2, bits: 4, channels: 1, sampleRate: 8000, data }))).toThrow(
      /unsupported sample format/,
    );
    expect(() =>
      decodeWav(makeWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000, data }).subarray(0, 36)),
    ).toThrow(/no data chunk/);
    expect(() =>
      decodeWav(makeWav({ tag: 1, bits: 16, channels: 1, sampleRate: 8000, data }).subarray(0, 20)),
    ).toThrow(bad);
  });

  it.skipIf(!existsSync('/usr/bin/ffmpeg'))(
    'decodes a streamed 24-bit stereo WAV piped out of ffmpeg',
    () => {
      const source = 'aevalsrc=0.5*sin(2*PI*440*t)|-0.25*sin(2*PI*440*t):s=22050:d=0.1';
      const run = spawnSync('/usr/bin/ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'lavfi',
        '-i',
        source,
        '-c:a',
        'pcm_s24le',
        '-f',
        'wav',
        '-',
      ]);
      expect(run.status).toBe(0);
      const bytes = new Uint8Array(run.stdout);
      // A pipe cannot be rewound, so ffmpeg leaves the sizes unknown and writes WAVE_FORMAT_EXTENSIBLE.
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)).toBe(0xffffffff);
      const wav = decodeWav(bytes);
      expect(wav.sampleRate).toBe(22050);
      expect(wav.channels).toHaveLength(2);
      expect(wav.channels[0]?.length).toBe(2205);
      for (let n = 0; n < 2205; n++) {
        const s = Math.sin((2 * Math.PI * 440 * n) / 22050);
        expect(Math.abs((wav.channels[0]?.[n] as number) - 0.5 * s)).toBeLessThan(1e-6);
        expect(Math.abs((wav.channels[1]?.[n] as number) + 0.25 * s)).toBeLessThan(1e-6);
      }
    },
  );
});

describe('encodeWav', () => {
  it('writes 16-bit mono that decodes back exactly', () => {
    const pcm = Int16Array.of(0, 1, -1, 32767, -32768);
    const bytes = encodeWav(pcm, 16000);
    expect(bytes.length).toBe(44 + 10);
    const wav = decodeWav(bytes);
    expect(wav.sampleRate).toBe(16000);
    expect(Array.from(wav.channels[0] as Float32Array)).toEqual(Array.from(pcm, (x) => x / 32768));
  });

  it('clips float input and validates the rate', () => {
    const wav = decodeWav(encodeWav(Float32Array.of(2, -2, 0.5), 8000));
    expect(Array.from(wav.channels[0] as Float32Array)).toEqual([32767 / 32768, -1, 0.5]);
    expect(() => encodeWav(new Int16Array(1), 0)).toThrow(/sampleRate/);
  });
});
