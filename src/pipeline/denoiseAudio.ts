import { Observable, type OperatorFunction } from 'rxjs';
import type { Frame } from './frames.ts';

/** One stream's noise suppressor: audio at its rate in, about as much denoised audio at the same rate out. */
export interface Denoiser {
  push(pcm: Float32Array): Float32Array;
  release(): void;
}

/**
 * Suppresses noise in the audio frames before the VAD and the acoustic model see them (RNNoise in the
 * runtime; `null`: audio passes untouched). Audio time is kept from the input (the suppressor delays the audio
 * by about 15 ms). Every other frame passes through; the denoiser is released when the stream ends.
 */
export function denoiseAudio(denoiser: Denoiser | null): OperatorFunction<Frame, Frame> {
  if (!denoiser) return (source) => source;
  return (source) =>
    new Observable<Frame>((subscriber) => {
      const sub = source.subscribe({
        next(frame) {
          if (frame.kind !== 'audio') return subscriber.next(frame);
          subscriber.next({ ...frame, pcm: denoiser.push(frame.pcm) });
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
