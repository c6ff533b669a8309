import { VoxError } from '../protocol/index.ts';

/** Settings of a {@link Batcher}. */
export interface BatcherOptions {
  /** Most requests in one model run. Default 64. */
  maxBatch: number;
  /** Most requests waiting; past it `submit` rejects with `VX_OVERLOADED`. Default 4096. */
  maxQueue: number;
}

export const defaultBatcherOptions: BatcherOptions = { maxBatch: 64, maxQueue: 4096 };

/** What one model run looked like, for metrics. */
export interface BatchStats {
  readonly size: number;
  /** How long the oldest request in the batch waited before the run started, ms. */
  readonly waitMs: number;
  /** How long the run took, ms. */
  readonly runMs: number;
}

interface Pending<Req, Res> {
  readonly request: Req;
  readonly queuedAt: number;
  resolve(value: Res): void;
  reject(error: unknown): void;
}

/**
 * Gathers requests from many sessions into batched model runs, one run at a time.
 *
 * There is no timer: when the model is idle a request runs at once, and requests that arrive while it is
 * busy wait for that run to end, then go together (up to `maxBatch`). So a lone session never waits, and
 * under load the batch grows to what the model can clear within the time one run takes — the wait is
 * bounded by the sessions' own arrival rate rather than by a fixed delay.
 */
export class Batcher<Req, Res> {
  private readonly options: BatcherOptions;
  private readonly queue: Pending<Req, Res>[] = [];
  private running = false;

  constructor(
    private readonly runBatch: (requests: readonly Req[]) => Promise<readonly Res[]>,
    options: Partial<BatcherOptions> = {},
    private readonly onBatch: (stats: BatchStats) => void = () => {},
  ) {
    this.options = { ...defaultBatcherOptions, ...options };
  }

  /** Requests waiting for a run. */
  get queued(): number {
    return this.queue.length;
  }

  /** Queues one request; resolves with its own result once its batch has run. */
  submit(request: Req): Promise<Res> {
    if (this.queue.length >= this.options.maxQueue) {
      return Promise.reject(
        new VoxError('VX_OVERLOADED', `inference queue full (${this.options.maxQueue} waiting)`),
      );
    }
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, queuedAt: performance.now(), resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      const started = performance.now();
      try {
        const results = await this.runBatch(batch.map((p) => p.request));
        batch.forEach((p, i) => p.resolve(results[i] as Res));
      } catch (error) {
        const failure = new VoxError('VX_INFERENCE_FAILED', `model run failed: ${(error as Error).message}`, {
          cause: error,
        });
        for (const p of batch) p.reject(failure);
      }
      try {
        this.onBatch({
          size: batch.length,
          waitMs: started - (batch[0]?.queuedAt ?? started),
          runMs: performance.now() - started,
        });
      } catch {
        // Metrics must never stop inference.
      }
    }
    this.running = false;
  }
}
