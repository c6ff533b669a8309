import { Observable, type OperatorFunction } from 'rxjs';
import type { StreamItem } from './items.ts';

/**
 * One stream's noise suppressor: audio at its rate in, about as much denoised audio at the same rate out, at
 * once (in process) or as a promise (in a worker thread).
 */
export interface Denoiser {
  push(pcm: Float32Array): Float32Array | Promise<Float32Array>;
  release(): void;
}

/**
 * Suppresses noise in the audio items before the VAD and the acoustic model see them (RNNoise in the
 * runtime; `null`: audio passes untouched). Audio time is kept from the input (the suppressor delays the audio
 * by about 15 ms). Every other item passes through, in order: behind the audio before it while a worker
 * denoises that. The denoiser is released when the stream ends; a failed chunk errors the stream.
 */
export function denoiseAudio(denoiser: Denoiser | null): OperatorFunction<StreamItem, StreamItem> {
  if (!denoiser) return (source) => source;
  return (source) =>
    new Observable<StreamItem>((subscriber) => {
      // While a chunk is being denoised (a worker's answer pending), later items queue behind it, so that
      // the order stays the input's; with nothing pending, an item goes straight through.
      let pending = 0;
      let tail: Promise<void> = Promise.resolve();
      const run = (item: StreamItem): Promise<void> | undefined => {
        if (item.kind !== 'audio') {
          subscriber.next(item);
          return undefined;
        }
        const out = denoiser.push(item.pcm);
        if (!(out instanceof Promise)) {
          subscriber.next({ ...item, pcm: out });
          return undefined;
        }
        return out.then((pcm) => subscriber.next({ ...item, pcm }));
      };
      const settle = (step: Promise<void>) =>
        step.then(
          () => {
            pending--;
          },
          (error: unknown) => subscriber.error(error),
        );
      const after = (then: () => void) => (pending === 0 ? then() : void tail.then(then));
      const sub = source.subscribe({
        next(item) {
          if (pending === 0) {
            const step = run(item);
            if (step === undefined) return;
            pending++;
            tail = settle(step);
            return;
          }
          pending++;
          tail = settle(tail.then(() => (subscriber.closed ? undefined : run(item))));
        },
        error: (e) => after(() => subscriber.error(e)),
        complete: () => after(() => subscriber.complete()),
      });
      return () => {
        sub.unsubscribe();
        denoiser.release();
      };
    });
}
