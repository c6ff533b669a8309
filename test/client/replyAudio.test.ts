import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, int16ToBytes, OpusEncoderStream } from '../../src/audio/index.ts';
import type { ClientEvent } from '../../src/client/events.ts';
import { ReplyAudio, ReplyRecorder, writeReplyWavs } from '../../src/client/replyAudio.ts';

function ramp(length: number): Int16Array {
  return Int16Array.from({ length }, (_, n) => ((n * 37) % 20000) - 10000);
}

function sine(sampleRate: number, length: number): Int16Array {
  return Int16Array.from({ length }, (_, n) =>
    Math.round(12000 * Math.sin((2 * Math.PI * 330 * n) / sampleRate)),
  );
}

describe('ReplyAudio', () => {
  it('joins PCM frames, rejoining a sample split across frames', () => {
    const pcm = ramp(1001);
    const bytes = int16ToBytes(pcm);
    const reply = new ReplyAudio(3, 'pcm_s16le', 22050);
    // Odd cut points: 301 and 1001 split samples between frames.
    for (const [from, to] of [
      [0, 301],
      [301, 1001],
      [1001, bytes.byteLength],
    ] as const) {
      reply.push(bytes.subarray(from, to), 10 + from);
    }
    expect(reply.toInt16()).toEqual(pcm);
    expect(reply).toMatchObject({ frames: 3, bytes: 2002, firstFrameAt: 10, sampleRate: 22050 });
    expect(reply.durationMs).toBeCloseTo((1001 / 22050) * 1000, 6);
    const wav = decodeWav(reply.toWav());
    expect(wav.sampleRate).toBe(22050);
    expect(wav.channels).toHaveLength(1);
    expect(Int16Array.from(wav.channels[0]!, (x) => Math.round(x * 32768))).toEqual(pcm);
  });

  it('decodes Opus packets, and counts a corrupt one without failing', () => {
    const encoder = new OpusEncoderStream({ sampleRate: 16000 });
    const input = sine(16000, 16000 / 2);
    const packets = [...encoder.push(input), ...encoder.flush()];
    const reply = new ReplyAudio(1, 'opus', 16000);
    packets.forEach((packet, i) => {
      reply.push(packet);
      if (i === 3) reply.push(new Uint8Array([0xff, 0xff, 0xff])); // not a valid packet
    });
    expect(reply.corruptPackets).toBe(1);
    const decoded = reply.toInt16();
    expect(decoded).toHaveLength(packets.length * 320);
    // Encoder look-ahead 6.5 ms = 104 samples at 16 kHz; compare after undoing it.
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let n = 1600; n < 6400; n++) {
      ab += input[n]! * decoded[n + 104]!;
      aa += input[n]! ** 2;
      bb += decoded[n + 104]! ** 2;
    }
    expect(ab / Math.sqrt(aa * bb)).toBeGreaterThan(0.95);
  });
});

describe('ReplyRecorder and writeReplyWavs', () => {
  const at = { receivedAt: 0 };
  const events = (utterance: number, samples: Int16Array): ClientEvent[] => [
    { type: 'tts_start', utterance, encoding: 'pcm_s16le', sampleRate: 16000, ...at },
    { type: 'audio', utterance, bytes: int16ToBytes(samples.subarray(0, 100)), ...at },
    { type: 'audio', utterance, bytes: int16ToBytes(samples.subarray(100)), ...at },
    { type: 'tts_end', utterance, bytes: samples.length * 2, ...at },
  ];

  it('collects each utterance and writes one WAV, or one per utterance', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vox-reply-'));
    try {
      const first = ramp(300);
      const second = ramp(500).reverse();
      const recorder = new ReplyRecorder();
      for (const event of events(1, first)) recorder.handle(event);
      expect(recorder.replies.get(1)).toMatchObject({ state: 'complete', expectedBytes: 600, bytes: 600 });

      const single = join(dir, 'out.wav');
      expect(await writeReplyWavs(recorder.replies.values(), single)).toEqual([single]);
      expect(decodeWav(await readFile(single)).channels[0]).toHaveLength(300);

      for (const event of events(2, second).slice(0, 2)) recorder.handle(event);
      recorder.handle({ type: 'tts_interrupted', utterance: 2, ...at });
      expect(recorder.replies.get(2)).toMatchObject({ state: 'interrupted', frames: 1 });
      const written = await writeReplyWavs(recorder.replies.values(), join(dir, 'reply.v1.wav'));
      expect(written).toEqual([join(dir, 'reply.v1-1.wav'), join(dir, 'reply.v1-2.wav')]);
      const wav2 = decodeWav(await readFile(written[1]!));
      expect(Int16Array.from(wav2.channels[0]!, (x) => Math.round(x * 32768))).toEqual(
        second.subarray(0, 100),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
