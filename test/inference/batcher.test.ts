import { afterEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type BatchStats } from '../../src/inference/batcher.ts';
import { VoxError } from '../../src/protocol/errors.ts';

/** A model whose runs end when the test says: each call waits in `runs` until resolved or failed. */
class ScriptedModel {
  readonly runs: { requests: number[]; finish(): void; fail(error: Error): void }[] = [];
  readonly run = (requests: readonly number[]): Promise<readonly string[]> =>
    new Promise((resolve, reject) => {
      this.runs.push({
        requests: [...requests],
        finish: () => resolve(requests.map((r) => `r${r}`)),
        fail: reject,
      });
    });
  /** The `index`th run the model was asked for. */
  call(index: number) {
    const run = this.runs[index];
    if (!run) throw new Error(`no run ${index} (${this.runs.length} so far)`);
    return run;
  }
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options: ConstructorParameters<typeof Batcher>[1] = {}) {
  const model = new ScriptedModel();
  const stats: BatchStats[] = [];
  const batcher = new Batcher<number, string>(model.run, options, (s) => stats.push(s));
  return { model, stats, batcher };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher', () => {
  it('runs a lone request at once, with no timer, and resolves it with its result', async () => {
    const { model, stats, batcher } = setup();
    const result = batcher.submit(7);
    // The run started synchronously inside submit.
    expect(model.runs.map((r) => r.requests)).toEqual([[7]]);
    expect(batcher.queued).toBe(0);
    model.call(0).finish();
    await expect(result).resolves.toBe('r7');
    expect(stats.map((s) => s.size)).toEqual([1]);
  });

  it('gathers requests that arrive during a run into the next run, each getting its own result', async () => {
    const { model, stats, batcher } = setup();
    const first = batcher.submit(1);
    const rest = [2, 3, 4].map((n) => batcher.submit(n));
    expect(batcher.queued).toBe(3);
    expect(model.runs).toHaveLength(1);

    model.call(0).finish();
    await expect(first).resolves.toBe('r1');
    await settle();
    expect(model.runs.map((r) => r.requests)).toEqual([[1], [2, 3, 4]]);
    expect(batcher.queued).toBe(0);
    model.call(1).finish();
    await expect(Promise.all(rest)).resolves.toEqual(['r2', 'r3', 'r4']);
    expect(stats.map((s) => s.size)).toEqual([1, 3]);

    // Idle again: the next lone request runs at once.
    const later = batcher.submit(5);
    expect(model.runs).toHaveLength(3);
    model.call(2).finish();
    await expect(later).resolves.toBe('r5');
    expect(stats.map((s) => s.size)).toEqual([1, 3, 1]);
  });

  it('puts at most maxBatch requests in one run, oldest first', async () => {
    const { model, stats, batcher } = setup({ maxBatch: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
    for (let i = 0; i < 3; i++) {
      model.call(i).finish();
      await settle();
    }
    expect(model.runs.map((r) => r.requests)).toEqual([[1], [2, 3], [4, 5]]);
    expect(stats.map((s) => s.size)).toEqual([1, 2, 2]);
    await expect(Promise.all(results)).resolves.toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('rejects with VX_OVERLOADED past maxQueue waiting requests, and accepts again once drained', async () => {
    const { model, batcher } = setup({ maxQueue: 2 });
    const accepted = [1, 2, 3].map((n) => batcher.submit(n)); // 1 runs, 2 and 3 wait
    expect(batcher.queued).toBe(2);
    const refused = batcher.submit(4);
    await expect(refused).rejects.toBeInstanceOf(VoxError);
    await expect(refused).rejects.toMatchObject({ code: 'VX_OVERLOADED' });
    expect(batcher.queued).toBe(2);

    model.call(0).finish();
    await settle();
    expect(batcher.queued).toBe(0);
    const again = batcher.submit(5); // waits behind the run of [2, 3]
    expect(batcher.queued).toBe(1);
    model.call(1).finish();
    await settle();
    model.call(2).finish();
    await expect(Promise.all([...accepted, again])).resolves.toEqual(['r1', 'r2', 'r3', 'r5']);
    expect(model.runs.map((r) => r.requests)).toEqual([[1], [2, 3], [5]]);
  });

  it("rejects a failed run's requests with VX_INFERENCE_FAILED and keeps serving the others", async () => {
    const { model, stats, batcher } = setup();
    const first = batcher.submit(1);
    const doomed = [2, 3].map((n) => batcher.submit(n));
    const after = batcher.submit(4);
    model.call(0).finish();
    await settle();
    // Queued together with 4, so the failing run holds 2, 3 and 4.
    expect(model.runs[1]?.requests).toEqual([2, 3, 4]);
    const late = batcher.submit(5);
    const cause = new Error('CUDA out of memory');
    model.call(1).fail(cause);
    for (const p of [...doomed, after]) {
      const error: unknown = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VoxError);
      expect(error).toMatchObject({ code: 'VX_INFERENCE_FAILED', cause });
      expect((error as VoxError).message).toContain('CUDA out of memory');
    }
    await expect(first).resolves.toBe('r1');
    // The failure is reported as a batch too, and the next queued request still runs.
    expect(stats.map((s) => s.size)).toEqual([1, 3]);
    await settle();
    expect(model.runs[2]?.requests).toEqual([5]);
    model.call(2).finish();
    await expect(late).resolves.toBe('r5');

    // And after draining, a new request starts a run at once.
    const fresh = batcher.submit(6);
    expect(model.runs).toHaveLength(4);
    model.call(3).finish();
    await expect(fresh).resolves.toBe('r6');
  });

  it('reports the oldest request wait and the run time in milliseconds', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const { model, stats, batcher } = setup();
    const first = batcher.submit(1); // queued and started at t = 0
    vi.advanceTimersByTime(30);
    const second = batcher.submit(2); // queued at t = 30
    vi.advanceTimersByTime(10);
    const third = batcher.submit(3); // queued at t = 40
    vi.advanceTimersByTime(60);
    model.call(0).finish(); // first run: 0 → 100
    await first;
    await settle();
    vi.advanceTimersByTime(25);
    model.call(1).finish(); // second run: 100 → 125, oldest request queued at 30
    await Promise.all([second, third]);
    expect(stats).toEqual([
      { size: 1, waitMs: 0, runMs: 100 },
      { size: 2, waitMs: 70, runMs: 25 },
    ]);
  });
});
