import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';
import { concatMapBounded } from '../../src/pipeline/concatMapBounded.ts';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** A promise the test resolves or rejects by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

class Full extends Error {}

describe('concatMapBounded with a synchronous project (marbles)', () => {
  it('emits each value’s results at once and in order, and completes with the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a----b----c----|');
      const subs = '       ^---------------!';
      const expected = '   -(aA)-(bB)-(cC)-|';
      const out = source.pipe(
        concatMapBounded(
          (x: string) => [x, x.toUpperCase()],
          2,
          () => new Full(),
        ),
      );
      expectObservable(out).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('drops values whose project returns nothing, and passes on source errors', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-#', undefined, new Error('socket'));
      const subs = '       ^------!';
      const expected = '   -a---c-#';
      const out = source.pipe(
        concatMapBounded(
          (x: string) => (x === 'b' ? [] : [x]),
          2,
          () => new Full(),
        ),
      );
      expectObservable(out).toBe(expected, undefined, new Error('socket'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('stops projecting and unsubscribes from the source when unsubscribed', () => {
    const project = vi.fn((x: string) => [x]);
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|');
      const subs = '       ^----!';
      const unsub = '      ^----!';
      expectObservable(source.pipe(concatMapBounded(project, 2, () => new Full())), unsub).toBe('-a-b-');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(project.mock.calls.map(([x]) => x)).toEqual(['a', 'b']);
  });

  it('errors with the overflow error once more than maxQueued values wait behind a pending run', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      // `a` never finishes, so b and c wait (the bound is 2) and d is one too many.
      const source = hot('-a-b-c-d-e-|');
      const subs = '      ^------!';
      const overflow = vi.fn(() => new Full('queue full'));
      const out = source.pipe(
        concatMapBounded((x: string) => (x === 'a' ? new Promise<string[]>(() => {}) : [x]), 2, overflow),
      );
      expectObservable(out).toBe('-------#', undefined, new Full('queue full'));
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('does not complete while a value is still being projected', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-|');
      const subs = '       ^--!';
      const out = source.pipe(
        concatMapBounded(
          () => new Promise<string[]>(() => {}),
          2,
          () => new Full(),
        ),
      );
      expectObservable(out).toBe('-----');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });
});

describe('concatMapBounded with an asynchronous project (promises)', () => {
  it('keeps input order, one project at a time, whatever order the runs would finish in', async () => {
    const delays: Record<number, number> = { 1: 30, 2: 1, 3: 15, 4: 0, 5: 5 };
    let inFlight = 0;
    let maxInFlight = 0;
    const project = async (n: number) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delays[n]));
      inFlight--;
      return [n, n * 10];
    };
    const source = new Subject<number>();
    const seen: number[] = [];
    const done = new Promise<void>((resolve, reject) =>
      source.pipe(concatMapBounded(project, 10, () => new Full())).subscribe({
        next: (v) => seen.push(v),
        error: reject,
        complete: resolve,
      }),
    );
    for (const n of [1, 2, 3, 4, 5]) source.next(n);
    source.complete();
    await done;
    expect(seen).toEqual([1, 10, 2, 20, 3, 30, 4, 40, 5, 50]);
    expect(maxInFlight).toBe(1);
  });

  it('completes only after the queue has drained', async () => {
    const runs = new Map<string, ReturnType<typeof deferred<string[]>>>();
    const project = (x: string) => {
      const d = deferred<string[]>();
      runs.set(x, d);
      return d.promise;
    };
    const source = new Subject<string>();
    const seen: string[] = [];
    let completed = false;
    source.pipe(concatMapBounded(project, 4, () => new Full())).subscribe({
      next: (v) => seen.push(v),
      complete: () => (completed = true),
    });
    source.next('a');
    source.next('b');
    source.complete();
    await settle();
    expect(completed).toBe(false);
    expect([...runs.keys()]).toEqual(['a']); // b waits for a
    runs.get('a')?.resolve(['A']);
    await settle();
    expect(seen).toEqual(['A']);
    expect(completed).toBe(false);
    runs.get('b')?.resolve(['B']);
    await settle();
    expect(seen).toEqual(['A', 'B']);
    expect(completed).toBe(true);
  });

  it('errors once with the overflow error when the bound is passed, and emits nothing after', async () => {
    const first = deferred<string[]>();
    const project = vi.fn((x: string) => (x === 'a' ? first.promise : [x]));
    const overflow = vi.fn(() => new Full('too many'));
    const source = new Subject<string>();
    const seen: string[] = [];
    const errors: unknown[] = [];
    source
      .pipe(concatMapBounded(project, 2, overflow))
      .subscribe({ next: (v) => seen.push(v), error: (e) => errors.push(e) });
    source.next('a'); // in flight
    source.next('b'); // waiting: 1
    source.next('c'); // waiting: 2, at the bound
    expect(errors).toEqual([]);
    source.next('d'); // past it
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Full);
    expect((errors[0] as Error).message).toBe('too many');
    expect(source.observed).toBe(false); // the source was let go
    first.resolve(['A']);
    await settle();
    expect(seen).toEqual([]);
    expect(project.mock.calls.map(([x]) => x)).toEqual(['a']);
    expect(overflow).toHaveBeenCalledTimes(1);
  });

  it('drops the queue and ignores the result in flight when unsubscribed', async () => {
    const first = deferred<string[]>();
    const project = vi.fn((x: string) => (x === 'a' ? first.promise : [x]));
    const source = new Subject<string>();
    const seen: string[] = [];
    const subscription = source
      .pipe(concatMapBounded(project, 4, () => new Full()))
      .subscribe((v) => seen.push(v));
    source.next('a');
    source.next('b');
    source.next('c');
    subscription.unsubscribe();
    expect(source.observed).toBe(false);
    first.resolve(['A']);
    await settle();
    expect(seen).toEqual([]);
    expect(project.mock.calls.map(([x]) => x)).toEqual(['a']);
  });

  it('errors with the project’s failure and projects nothing after it', async () => {
    const project = vi.fn(async (x: string) => {
      if (x === 'b') throw new Error('model failed');
      return [x];
    });
    const source = new Subject<string>();
    const seen: string[] = [];
    const failed = new Promise<unknown>((resolve) =>
      source
        .pipe(concatMapBounded(project, 4, () => new Full()))
        .subscribe({ next: (v) => seen.push(v), error: resolve }),
    );
    for (const x of ['a', 'b', 'c']) source.next(x);
    await expect(failed).resolves.toMatchObject({ message: 'model failed' });
    await settle();
    expect(seen).toEqual(['a']);
    expect(project.mock.calls.map(([x]) => x)).toEqual(['a', 'b']);
    expect(source.observed).toBe(false);
  });

  it('lets control overtake the queue, dropping the queued values it makes moot and keeping the rest in order', async () => {
    const runs = new Map<string, ReturnType<typeof deferred<string[]>>>();
    const project = vi.fn((x: string) => {
      const d = deferred<string[]>();
      runs.set(x, d);
      return d.promise;
    });
    const source = new Subject<string>();
    const seen: string[] = [];
    source
      .pipe(
        concatMapBounded(project, 4, () => new Full(), {
          overtakes: (x) => x === 'CANCEL',
          drops: (x) => x.startsWith('audio'),
        }),
      )
      .subscribe((x) => seen.push(x));
    for (const x of ['audio1', 'audio2', 'event', 'audio3', 'audio4']) source.next(x); // 1 running, 4 waiting
    source.next('CANCEL'); // the queue was full: overtaking frees it, so no overflow
    runs.get('audio1')?.resolve(['audio1']);
    await settle();
    runs.get('event')?.resolve(['event']);
    await settle();
    runs.get('CANCEL')?.resolve(['CANCEL']);
    await settle();
    expect(seen).toEqual(['audio1', 'event', 'CANCEL']);
    expect(project.mock.calls.map(([x]) => x)).toEqual(['audio1', 'event', 'CANCEL']);
  });
});
