import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamItem } from './items.ts';

/** One stream's noise suppressor: audio at its rate in, about as much denoised audio at the same rate out. */
export interface Denoiser {
  push(pcm: Float32Array): Float32Array;
  release(): void;
}

/**
 * Suppresses noise in the audio items before the VAD and the acoustic model see them (RNNoise in the
 * runtime; `null`: audio passes untouched). Audio time is kept from the input (the suppressor delays the audio
 * by about 15 ms). Every other item passes through; the denoiser is released when the stream ends.
 */
export function denoiseAudio(denoiser: Denoiser | null): OperatorFunction<StreamItem, StreamItem> {
  if (!denoiser) return (source) => source;
  return (source) =>
    new Observable<StreamItem>((subscriber) => {
      const sub = source.subscribe({
        next(item) {
          if (item.kind !== 'audio') return subscriber.next(item);
          subscriber.next({ ...item, pcm: denoiser.push(item.pcm) });
        },
        error: (e) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        denoiser.release();
      };
    });
}
