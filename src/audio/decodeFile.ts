import { AudioError } from './errors.ts';
import { readOggOpus } from './ogg.ts';
import { OPUS_SAMPLE_RATES, OpusDecoderStream } from './opus.ts';
import { toMono } from './pcm.ts';
import { decodeWav } from './wav.ts';

/** A decoded audio file, downmixed to mono. */
export interface DecodedAudio {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Float32Array PCM in [-1, 1], mono. */
  pcm: Float32Array;
}

function magic(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, 4));
}

/**
 * Decodes a WAV (RIFF) or Ogg Opus (OggS) file, recognised by its magic bytes, to mono float PCM.
 * Ogg Opus is decoded at its OpusHead input rate when libopus supports that rate (8, 12, 16, 24 or 48 kHz),
 * else at 48000 Hz, with pre-skip and end padding removed.
 * @param bytes - the whole file
 * @param nameHint - a file name for error messages only; never used to pick the format
 * @throws AudioError `VX_BAD_AUDIO` for an unknown or malformed file, `VX_BAD_OPUS` for a corrupt packet
 */
export function decodeAudioFile(bytes: Uint8Array, nameHint?: string): DecodedAudio {
  const kind = magic(bytes);
  if (kind === 'RIFF') {
    const wav = decodeWav(bytes);
    return { sampleRate: wav.sampleRate, pcm: toMono(wav.channels) };
  }
  if (kind === 'OggS') return decodeOggOpus(bytes);
  const name = nameHint === undefined ? '' : ` (${nameHint})`;
  throw new AudioError(
    'VX_BAD_AUDIO',
    `unsupported audio format${name}: expected WAV (RIFF) or Ogg Opus (OggS)`,
  );
}

function decodeOggOpus(bytes: Uint8Array): DecodedAudio {
  const stream = readOggOpus(bytes);
  const sampleRate = OPUS_SAMPLE_RATES.includes(stream.sampleRate) ? stream.sampleRate : 48000;
  const ratio = sampleRate / 48000;
  const decoder = new OpusDecoderStream({ sampleRate });
  const chunks = stream.packets.map((packet) => decoder.decode(packet));
  const decoded = chunks.reduce((n, c) => n + c.length, 0);
  const start = Math.min(decoded, Math.round(stream.preSkip * ratio));
  const end =
    stream.lastGranule >= 0
      ? Math.max(start, Math.min(decoded, Math.round(stream.lastGranule * ratio)))
      : decoded;
  const pcm = new Float32Array(end - start);
  let at = 0; // position of the current chunk in the decoded stream
  for (const chunk of chunks) {
    const from = Math.max(start, at);
    const to = Math.min(end, at + chunk.length);
    for (let i = from; i < to; i++) pcm[i - start] = (chunk[i - at] as number) / 32768;
    at += chunk.length;
  }
  return { sampleRate, pcm };
}
