import type { Transferable } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { WorkerRpc, WorkerRpcError } from '../threads/index.ts';

/** A tensor as it crosses the thread boundary (typed arrays are copied by structured clone). */
export interface WireTensor {
  readonly type: string;
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  readonly dims: readonly number[];
}

/**
 * The tensors of a run as they cross to the other thread. Structured clone copies the whole buffer under a
 * typed array, so a tensor that views part of a larger buffer (Silero VAD's batch buffers, which grow to the
 * largest batch yet) is first copied into a buffer of its own; those copies are added to `transfer`, when
 * given, to be moved rather than copied again.
 */
export function toWire(
  tensors: Readonly<Record<string, ort.Tensor>>,
  transfer?: Transferable[],
): Record<string, WireTensor> {
  const wire: Record<string, WireTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    let data = t.data as WireTensor['data'];
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) {
      data = data.slice();
      // A copy made here is always an ArrayBuffer of its own.
      transfer?.push(data.buffer as ArrayBuffer);
    }
    wire[name] = { type: t.type, data, dims: [...t.dims] };
  }
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

/** One run asked of the model worker; it answers with the outputs, as wire tensors. */
export interface RunRequest {
  readonly feeds: Record<string, WireTensor>;
}
type RunResult = Record<string, WireTensor>;

/** The model's input and output names, as the worker reports them once loaded. */
export interface SessionReady {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/**
 * An onnxruntime session in its own worker thread. onnxruntime-node runs a model synchronously on the
 * calling thread, so on the main thread every run stalls every session's sockets, features and decoding;
 * in a worker the runs of one model overlap with that work and with the other models' runs.
 */
export class WorkerSession implements ModelSession {
  private constructor(
    private readonly rpc: WorkerRpc<RunRequest, RunResult, SessionReady>,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  /** Starts a worker and opens `path` in it; rejects with onnxruntime's message if it cannot load. */
  static async open(path: string, options: ort.InferenceSession.SessionOptions): Promise<WorkerSession> {
    const rpc = WorkerRpc.start<RunRequest, RunResult, SessionReady>(
      new URL('./sessionWorker.ts', import.meta.url),
      { path, options },
      { name: 'the model worker' },
    );
    try {
      const { inputNames, outputNames } = await rpc.ready;
      return new WorkerSession(rpc, inputNames, outputNames);
    } catch (error) {
      await rpc.terminate();
      throw error;
    }
  }

  async run(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const transfer: Transferable[] = [];
    const request = { feeds: toWire(feeds, transfer) };
    return fromWire(await this.rpc.call(request, { transfer }));
  }

  /** Closes the model in its worker and stops it; later runs reject with `VX_WORKER_CLOSED`. Idempotent. */
  release(): Promise<void> {
    return this.rpc.close(new WorkerRpcError('VX_WORKER_CLOSED', 'the model session was released'));
  }
}
