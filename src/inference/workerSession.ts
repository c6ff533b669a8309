import type { Worker } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { startTypeScriptWorker } from '../threads/index.ts';

/** A tensor as it crosses the thread boundary (typed arrays are copied by structured clone). */
export interface WireTensor {
  readonly type: string;
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  readonly dims: readonly number[];
}

/** The tensors of a run as they cross to the other thread. */
export function toWire(tensors: Readonly<Record<string, ort.Tensor>>): Record<string, WireTensor> {
  const wire: Record<string, WireTensor> = {};
  for (const [name, t] of Object.entries(tensors))
    wire[name] = { type: t.type, data: t.data as WireTensor['data'], dims: [...t.dims] };
  return wire;
}

/** The tensors of a run as they arrive from the other thread. */
export function fromWire(wire: Readonly<Record<string, WireTensor>>): Record<string, ort.Tensor> {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(wire))
    tensors[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
  return tensors;
}

/** What the model wrappers need of a session, on the main thread or in a worker. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

interface Pending {
  resolve(outputs: Record<string, ort.Tensor>): void;
  reject(error: unknown): void;
}

/**
 * An onnxruntime session in its own worker thread. onnxruntime-node runs a model synchronously on the
 * calling thread, so on the main thread every run stalls every session's sockets, features and decoding;
 * in a worker the runs of one model overlap with that work and with the other models' runs.
 */
export class WorkerSession implements ModelSession {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    worker.on('message', (m: { id: number; outputs?: Record<string, WireTensor>; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error !== undefined || !m.outputs) {
        p.reject(new Error(m.error ?? 'the model worker returned nothing'));
        return;
      }
      p.resolve(fromWire(m.outputs));
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => this.failAll(new Error('the model worker exited')));
    worker.unref();
  }

  /** Starts a worker and opens `path` in it; rejects with onnxruntime's message if it cannot load. */
  static open(path: string, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const worker = startTypeScriptWorker(new URL('./sessionWorker.ts', import.meta.url), { path, options });
    return new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean; inputNames?: string[]; outputNames?: string[] }) => {
        if (!m.ready) return;
        worker.off('error', onError);
        worker.off('message', onMessage);
        resolve(new WorkerSession(worker, m.inputNames ?? [], m.outputNames ?? []));
      };
      const onError = (error: Error) => {
        void worker.terminate();
        reject(error);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
  }

  run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const wire = toWire(feeds);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while a run is in flight, not while the worker idles.
      this.worker.ref();
      this.worker.postMessage({ id, feeds: wire });
    });
  }

  async release(): Promise<void> {
    if (this.failure) {
      await this.worker.terminate();
      return;
    }
    this.failure = new Error('the model session was released');
    const exited = new Promise((r) => this.worker.once('exit', r));
    // Held until the worker has closed its session, or the process could end first, mid-release.
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }

  private failAll(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
