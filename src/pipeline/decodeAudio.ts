import { type OperatorFunction, map } from 'rxjs';
import { AudioError, OpusDecoderStream, bytesToInt16, int16ToFloat32 } from '../audio/index.ts';
import type { SessionClock } from '../metrics/index.ts';
import type { AudioEncoding } from '../protocol/index.ts';
import { type StreamItem, event } from './items.ts';

/**
 * Turns binary messages into PCM: `pcm_s16le` bytes (whole samples) or one Opus packet per message.
 * A message that cannot be decoded becomes an `error` event (`VX_BAD_AUDIO`, `VX_BAD_OPUS`) and is dropped;
 * the stream goes on. Notes each message's arrival on the session clock (for speech-end latencies).
 */
export function decodeAudio(
  encoding: AudioEncoding,
  sampleRate: number,
  clock: SessionClock,
): OperatorFunction<StreamItem, StreamItem> {
  const opus = encoding === 'opus' ? new OpusDecoderStream({ sampleRate }) : null;
  let samples = 0;
  return map((item): StreamItem => {
    if (item.kind !== 'ingest') return item;
    try {
      if (!opus && item.bytes.byteLength % 2 !== 0) {
        throw new AudioError(
          'VX_BAD_AUDIO',
          `PCM item of ${item.bytes.byteLength} bytes is not whole 16-bit samples`,
        );
      }
      const pcm = int16ToFloat32(opus ? opus.decode(item.bytes) : bytesToInt16(item.bytes));
      const atMs = (samples / sampleRate) * 1000;
      samples += pcm.length;
      clock.arrived((samples / sampleRate) * 1000);
      return { kind: 'audio', pcm, sampleRate, atMs };
    } catch (error) {
      const code = error instanceof AudioError ? error.code : 'VX_BAD_AUDIO';
      return event({ type: 'error', code, message: (error as Error).message, fatal: false });
    }
  });
}
