import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readOggOpus, writeOggOpus } from '../../src/audio/ogg.ts';
import { OGG_CONTINUED, OGG_EOS, oggCrc32, readOggPages } from '../../src/audio/oggPage.ts';
import { OpusDecoderStream, OpusEncoderStream } from '../../src/audio/opus.ts';
import { decodeWav } from '../../src/audio/wav.ts';

const SPEECHOCEAN = new URL('../../../shared/data/speechocean762/test/', import.meta.url);
const OPUSDEC = '/usr/bin/opusdec';

/** A fake but well-formed CELT 20 ms packet (TOC 0xF8) of `size` bytes. */
function fakePacket(size: number, fill: number): Uint8Array {
  const p = new Uint8Array(size).fill(fill);
  p[0] = 0xf8;
  return p;
}

function encodeTone(sampleRate: number, length: number): Uint8Array[] {
  const encoder = new OpusEncoderStream({ sampleRate });
  const pcm = Float32Array.from({ length }, (_, n) => 0.4 * Math.sin((2 * Math.PI * 500 * n) / sampleRate));
  return [...encoder.push(pcm), ...encoder.flush()];
}

describe('oggCrc32', () => {
  it('is CRC-32 with polynomial 0x04C11DB7, initial 0, no final XOR', () => {
    // CRC-32/CKSUM's check value for "123456789" is 0x765E7680 after its final XOR with 0xFFFFFFFF.
    expect(oggCrc32(new TextEncoder().encode('123456789'))).toBe((0x765e7680 ^ 0xffffffff) >>> 0);
  });
});

describe('writeOggOpus → readOggOpus', () => {
  it('round-trips packets of awkward sizes across page boundaries', () => {
    // Segments: 9 for the first five packets, then 6 per 1,275-byte packet, so page 2 closes with 255
    // segments exactly at a packet boundary; page 3 then overflows in the middle of a 1,100-byte packet.
    const sizes = [
      ...[1, 254, 255, 256, 510],
      ...Array.from({ length: 60 }, () => 1275),
      ...Array.from({ length: 40 }, () => 1100),
      ...Array.from({ length: 100 }, (_, i) => 200 + i),
    ];
    const packets = sizes.map((size, i) => fakePacket(size, i & 0xff));
    const file = writeOggOpus(packets, { channels: 1, preSkip: 312, inputSampleRate: 16000 });
    const stream = readOggOpus(file);
    expect(stream).toMatchObject({ channels: 1, preSkip: 312, sampleRate: 16000 });
    expect(stream.packets).toEqual(packets);
    expect(stream.lastGranule).toBe(960 * packets.length);

    const pages = readOggPages(file);
    expect(pages[2]?.lacing.length).toBe(255);
    expect(pages[3]?.flags).toBe(0);
    expect(pages[3]?.lacing.length).toBe(255);
    expect(pages[4]?.flags).toBe(OGG_CONTINUED);
    expect(pages.at(-1)?.flags).toBe(OGG_EOS);
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    // Granules rise page by page; -1 only where no packet ends on the page.
    const granules = pages.map((p) => p.granule).filter((g) => g >= 0);
    expect(granules).toEqual([...granules].sort((a, b) => a - b));
  });

  it('trims the end through the final granule and writes header-only files', () => {
    const packets = [fakePacket(10, 1), fakePacket(10, 2)];
    const file = writeOggOpus(packets, {
      channels: 2,
      preSkip: 0,
      inputSampleRate: 48000,
      sampleCount: 1000,
    });
    expect(readOggOpus(file)).toMatchObject({ channels: 2, lastGranule: 1000, packets });
    expect(readOggOpus(writeOggOpus([], { channels: 1, preSkip: 312, inputSampleRate: 0 }))).toMatchObject({
      sampleRate: 48000,
      packets: [],
    });
    expect(() =>
      writeOggOpus(packets, { channels: 1, preSkip: 312, inputSampleRate: 1, sampleCount: 1700 }),
    ).toThrow(/sampleCount/);
    expect(() => writeOggOpus(packets, { channels: 3, preSkip: 0, inputSampleRate: 1 })).toThrow(/channels/);
  });

  it('rejects corrupt pages and non-Opus streams with VX_BAD_AUDIO', () => {
    const file = writeOggOpus([fakePacket(50, 9)], { channels: 1, preSkip: 312, inputSampleRate: 16000 });
    const bad = expect.objectContaining({ code: 'VX_BAD_AUDIO' });
    const flipped = file.slice();
    flipped[flipped.length - 3] = (flipped[flipped.length - 3] as number) ^ 1;
    expect(() => readOggOpus(flipped)).toThrow(/CRC mismatch/);
    expect(() => readOggOpus(file.subarray(0, file.length - 10))).toThrow(bad);
    expect(() => readOggOpus(new TextEncoder().encode('RIFF....WAVE'))).toThrow(bad);
  });

  it.skipIf(!existsSync(OPUSDEC))('writes files that opusdec decodes to the right length and signal', () => {
    const sampleRate = 16000;
    const length = 16000 + 50; // padding in the last packet must be trimmed by the final granule
    const packets = encodeTone(sampleRate, length);
    const dir = mkdtempSync(join(tmpdir(), 'vx-ogg-'));
    try {
      const input = join(dir, 'tone.opus');
      const output = join(dir, 'tone.wav');
      writeFileSync(
        input,
        writeOggOpus(packets, {
          channels: 1,
          preSkip: 312,
          inputSampleRate: sampleRate,
          sampleCount: length * 3,
        }),
      );
      // (length * 3: the 48 kHz sample count of the 16 kHz input)
      const run = spawnSync(OPUSDEC, ['--quiet', '--rate', '16000', '--no-dither', input, output]);
      expect(run.status, run.stderr.toString()).toBe(0);
      const wav = decodeWav(new Uint8Array(readFileSync(output)));
      const pcm = wav.channels[0] as Float32Array;
      expect(wav.sampleRate).toBe(16000);
      expect(pcm.length).toBe(length);
      // Pre-skip 312 removes the encoder delay: the tone lines up with the input again (SNR > 20 dB).
      let noise = 0;
      let signal = 0;
      for (let n = 1600; n < length - 320; n++) {
        const ideal = 0.4 * Math.sin((2 * Math.PI * 500 * n) / 16000);
        noise += ((pcm[n] as number) - ideal) ** 2;
        signal += ideal ** 2;
      }
      expect(10 * Math.log10(signal / noise)).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const realFiles = existsSync(SPEECHOCEAN)
  ? readdirSync(SPEECHOCEAN)
      .filter((f) => f.endsWith('.opus'))
      .sort()
      .slice(0, 5)
  : [];

describe.skipIf(realFiles.length === 0)(
  'readOggOpus on speechocean762 (skipped when ../shared is absent)',
  () => {
    it.each(realFiles)('reads %s and decodes every packet at 48 kHz mono', (name) => {
      const stream = readOggOpus(new Uint8Array(readFileSync(new URL(name, SPEECHOCEAN))));
      expect(stream).toMatchObject({ channels: 1, sampleRate: 16000 });
      expect(stream.preSkip).toBeGreaterThan(0);
      expect(stream.packets.length).toBeGreaterThan(10);
      const decoder = new OpusDecoderStream({ sampleRate: 48000 });
      let total = 0;
      let energy = 0;
      for (const packet of stream.packets) {
        const pcm = decoder.decode(packet);
        total += pcm.length;
        for (const x of pcm) energy += x * x;
      }
      // The final granule marks the end within the last packet.
      expect(total).toBeGreaterThanOrEqual(stream.lastGranule);
      expect(total - stream.lastGranule).toBeLessThan(960);
      expect(Math.sqrt(energy / total)).toBeGreaterThan(50); // not silence: someone speaks
    });

    it.skipIf(!existsSync(OPUSDEC))('decodes bit for bit like opusdec at 48 kHz after trimming', () => {
      const path = fileURLToPath(new URL(realFiles[0] as string, SPEECHOCEAN));
      const stream = readOggOpus(new Uint8Array(readFileSync(path)));
      const decoder = new OpusDecoderStream({ sampleRate: 48000 });
      const chunks = stream.packets.map((p) => decoder.decode(p));
      const decoded = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
      chunks.reduce((o, c) => (decoded.set(c, o), o + c.length), 0);
      const ours = decoded.subarray(stream.preSkip, stream.lastGranule);
      const dir = mkdtempSync(join(tmpdir(), 'vx-ogg-'));
      try {
        const out = join(dir, 'ref.wav');
        const run = spawnSync(OPUSDEC, ['--quiet', '--rate', '48000', '--no-dither', path, out]);
        expect(run.status, run.stderr.toString()).toBe(0);
        const ref = decodeWav(new Uint8Array(readFileSync(out))).channels[0] as Float32Array;
        expect(Array.from(ours, (x) => x / 32768)).toEqual(Array.from(ref));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
