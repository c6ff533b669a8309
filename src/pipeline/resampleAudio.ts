import { type OperatorFunction, map } from 'rxjs';
import { Resampler } from '../audio/index.ts';
import type { Frame } from './frames.ts';

/** Converts audio frames to `sampleRate` (Hz), streaming; audio time is kept from the input. */
export function resampleAudio(sampleRate: number): OperatorFunction<Frame, Frame> {
  let resampler: Resampler | null = null;
  return map((frame): Frame => {
    if (frame.kind !== 'audio' || frame.sampleRate === sampleRate) return frame;
    resampler ??= new Resampler(frame.sampleRate, sampleRate);
    return { kind: 'audio', pcm: resampler.push(frame.pcm), sampleRate, atMs: frame.atMs };
  });
}
