import { AudioError } from './errors.ts';

/** Frame durations in 48 kHz samples for each TOC configuration number (RFC 6716 §3.1). */
const FRAME_SAMPLES_48K: readonly number[] = [
  ...[0, 1, 2].flatMap(() => [480, 960, 1920, 2880]), // SILK-only NB/MB/WB: 10, 20, 40, 60 ms
  ...[0, 1].flatMap(() => [480, 960]), // hybrid SWB/FB: 10, 20 ms
  ...[0, 1, 2, 3].flatMap(() => [120, 240, 480, 960]), // CELT-only: 2.5, 5, 10, 20 ms
];

/** Longest legal Opus packet duration: 120 ms at 48 kHz. */
const MAX_PACKET_SAMPLES_48K = 5760;

/**
 * Duration of an Opus packet from its TOC byte (and frame count byte for code 3), RFC 6716 §3.1.
 * @param packet - one Opus packet
 * @returns the duration in samples at 48 kHz
 * @throws AudioError `VX_BAD_OPUS` for an empty, truncated or over-long packet
 */
export function opusPacketSamples48k(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) throw new AudioError('VX_BAD_OPUS', 'Opus packet is empty');
  const frameSamples = FRAME_SAMPLES_48K[toc >> 3] as number;
  const code = toc & 3;
  let frames: number;
  if (code === 0) frames = 1;
  else if (code !== 3) frames = 2;
  else {
    const count = packet[1];
    if (count === undefined) throw new AudioError('VX_BAD_OPUS', 'Opus code-3 packet lacks its frame count');
    frames = count & 0x3f;
  }
  const total = frames * frameSamples;
  if (total === 0 || total > MAX_PACKET_SAMPLES_48K) {
    throw new AudioError('VX_BAD_OPUS', `Opus packet duration of ${total} samples at 48 kHz is invalid`);
  }
  return total;
}
