import { type OperatorFunction, map } from 'rxjs';
import { Resampler } from '../audio/index.ts';
import type { StreamItem } from './items.ts';

/** Converts audio items to `sampleRate` (Hz), streaming; audio time is kept from the input. */
export function resampleAudio(sampleRate: number): OperatorFunction<StreamItem, StreamItem> {
  let resampler: Resampler | null = null;
  return map((item): StreamItem => {
    if (item.kind !== 'audio' || item.sampleRate === sampleRate) return item;
    resampler ??= new Resampler(item.sampleRate, sampleRate);
    return { kind: 'audio', pcm: resampler.push(item.pcm), sampleRate, atMs: item.atMs };
  });
}
