import { Observable, type OperatorFunction } from 'rxjs';

/** Control that must not wait behind data in the queue (e.g. a cancel behind seconds of queued audio). */
export interface Overtaking<T> {
  /** Whether `value` is control that overtakes the queue. */
  overtakes(value: T): boolean;
  /** Whether a queued `value` is dropped when `control` overtakes it (data the control makes moot). */
  drops(value: T, control: T): boolean;
}

/**
 * Like `concatMap` with an async project, but its queue has a bound: one value is projected at a time,
 * in order, and when more than `maxQueued` values wait the stream errors with `overflow()` instead of
 * buffering without limit (the socket edge pauses ingest well before that; this is the backstop).
 * Completion waits for the queue to drain. Unsubscribing drops the queue and ignores results in flight.
 *
 * With `overtaking`, a control value does not wait its turn: the queued values it `drops` are removed, so it
 * is projected right after the value in flight and whatever else was queued (kept in order).
 */
export function concatMapBounded<T, R>(
  project: (value: T) => Promise<readonly R[]> | readonly R[],
  maxQueued: number,
  overflow: () => Error,
  overtaking?: Overtaking<T>,
): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const queue: T[] = [];
      let busy = false;
      let sourceDone = false;
      let closed = false;

      const next = async (): Promise<void> => {
        busy = true;
        while (queue.length > 0 && !closed) {
          const value = queue.shift() as T;
          try {
            const result = project(value);
            // Only a promise waits: an array goes out synchronously, as concatMap does, not a microtask later.
            const out = 'then' in result ? await result : result;
            if (closed) return;
            for (const r of out) subscriber.next(r);
          } catch (error) {
            closed = true;
            subscriber.error(error);
            return;
          }
        }
        busy = false;
        if (sourceDone && !closed) subscriber.complete();
      };

      const subscription = source.subscribe({
        next(value) {
          if (closed) return;
          if (overtaking?.overtakes(value) && queue.length > 0) {
            const kept = queue.filter((queued) => !overtaking.drops(queued, value));
            queue.splice(0, queue.length, ...kept);
          }
          if (queue.length >= maxQueued) {
            closed = true;
            subscriber.error(overflow());
            return;
          }
          queue.push(value);
          if (!busy) void next();
        },
        error(error) {
          closed = true;
          subscriber.error(error);
        },
        complete() {
          sourceDone = true;
          if (!busy && queue.length === 0) subscriber.complete();
        },
      });
      return () => {
        closed = true;
        queue.length = 0;
        subscription.unsubscribe();
      };
    });
}
