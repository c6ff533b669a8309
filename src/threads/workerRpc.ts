import type { Transferable, Worker } from 'node:worker_threads';
import { startTypeScriptWorker } from './typescriptWorker.ts';

/**
 * Codes of {@link WorkerRpcError}: `VX_WORKER_FAILED` (the worker threw outside a request, or could not
 * start), `VX_WORKER_EXITED` (it exited while calls were waiting), `VX_WORKER_CLOSED` (it was closed).
 */
export type WorkerRpcErrorCode = 'VX_WORKER_FAILED' | 'VX_WORKER_EXITED' | 'VX_WORKER_CLOSED';

/** Why a call to a worker failed other than by the worker refusing it. */
export class WorkerRpcError extends Error {
  override readonly name = 'WorkerRpcError';
  constructor(
    readonly code: WorkerRpcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An error thrown in the worker as it crosses back: its name, message and own plain fields (`code`…). */
export interface RemoteError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly [field: string]: unknown;
}

/** What the thread that asks sends its worker: a request, or `'close'` to let it finish and exit. */
export type ToWorker<Req> = { readonly id: number; readonly request: Req } | 'close';

/** What a worker sends back: once that it is ready, then one answer per request. */
export type FromWorker<Res, Ready> =
  | { readonly ready: Ready }
  | { readonly id: number; readonly result: Res }
  | { readonly id: number; readonly error: RemoteError };

/** Options of {@link WorkerRpc.start}. */
export interface WorkerRpcOptions {
  /** What errors call the worker, e.g. `'the model worker'` ("the model worker exited"). */
  readonly name: string;
  /** The error a call the worker refused rejects with. Default: an `Error` with its message and `code`. */
  readonly rebuild?: (error: RemoteError) => Error;
}

/** Options of one {@link WorkerRpc.call}. */
export interface CallOptions {
  /** Aborting rejects the call with the signal's reason; the worker's answer, if any, is dropped. */
  readonly signal?: AbortSignal | undefined;
  /** Buffers of the request to move to the worker instead of copying. */
  readonly transfer?: readonly Transferable[];
}

interface Pending<Res> {
  resolve(result: Res): void;
  reject(error: unknown): void;
}

type State = 'starting' | 'ready' | 'closing' | 'closed';

/** An error as the thread that asked sees it when the worker has no better one. */
export function rebuildRemoteError(error: RemoteError): Error {
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}

/**
 * Calls into a worker thread that answers with {@link serveRpc}: each request gets an id and a promise that
 * the worker's answer settles. When the worker fails or exits, every waiting call rejects with a
 * {@link WorkerRpcError}, and so does every later one.
 *
 * The worker keeps the process alive only while it starts, closes or has calls waiting, not while it idles.
 */
export class WorkerRpc<Req, Res, Ready = void> {
  /** What the worker says once ready; rejects (`VX_WORKER_FAILED`, `VX_WORKER_EXITED`) if it never does. */
  readonly ready: Promise<Ready>;
  readonly #worker: Worker;
  readonly #name: string;
  readonly #rebuild: (error: RemoteError) => Error;
  readonly #pending = new Map<number, Pending<Res>>();
  readonly #exited: Promise<void>;
  #nextId = 1;
  #state: State = 'starting';
  #failure: Error | null = null;
  #settleReady: { resolve(ready: Ready): void; reject(error: Error): void } | null = null;

  private constructor(worker: Worker, options: WorkerRpcOptions) {
    this.#worker = worker;
    this.#name = options.name;
    this.#rebuild = options.rebuild ?? rebuildRemoteError;
    this.ready = new Promise<Ready>((resolve, reject) => (this.#settleReady = { resolve, reject }));
    // Callers that only make calls learn of a failed start from them, not as an unhandled rejection.
    this.ready.catch(() => undefined);
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromWorker<Res, Ready>) => this.#onMessage(m));
    worker.on('error', (error) =>
      this.#fail(new WorkerRpcError('VX_WORKER_FAILED', error.message, { cause: error })),
    );
    worker.on('exit', () => {
      this.#fail(new WorkerRpcError('VX_WORKER_EXITED', `${this.#name} exited`));
      this.#state = 'closed';
      this.#updateRef();
    });
  }

  /**
   * Starts `entry` (a TypeScript module that calls {@link serveRpc}) in a worker thread with `workerData`.
   * Calls may be made at once; the worker answers them once it is ready.
   */
  static start<Req, Res, Ready = void>(
    entry: URL,
    workerData: unknown,
    options: WorkerRpcOptions,
  ): WorkerRpc<Req, Res, Ready> {
    return new WorkerRpc(startTypeScriptWorker(entry, workerData), options);
  }

  /** Calls waiting for an answer now. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Whether the worker can still answer: started or starting, and not failed, exited or closed. */
  get alive(): boolean {
    return this.#failure === null;
  }

  /** Asks the worker; resolves with its answer, rejects with its error (rebuilt) or why it cannot answer. */
  call(request: Req, options: CallOptions = {}): Promise<Res> {
    if (this.#failure) return Promise.reject(this.#failure);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    return new Promise<Res>((resolve, reject) => {
      const onAbort = () => {
        this.#pending.delete(id);
        this.#updateRef();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this.#updateRef();
      try {
        this.#worker.postMessage({ id, request } satisfies ToWorker<Req>, options.transfer);
      } catch (error) {
        // A request that cannot be cloned never reaches the worker, so no answer would free its place.
        this.#pending.delete(id);
        this.#updateRef();
        reject(error);
      }
    });
  }

  /**
   * Lets the worker finish (its `close` handler runs) and exit; resolves once it has. Later calls reject with
   * `reason` (default a `VX_WORKER_CLOSED` error), as do calls still waiting when it exits. Idempotent.
   */
  async close(reason?: Error): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'closing') {
      await this.#exited;
      return;
    }
    this.#failure ??= reason ?? this.#closedError();
    this.#state = 'closing';
    // Held until the worker has let go of what it owns, or the process could end first, mid-close.
    this.#updateRef();
    this.#worker.postMessage('close' satisfies ToWorker<Req>);
    await this.#exited;
  }

  /** Stops the worker now; waiting and later calls reject with `reason` (default `VX_WORKER_CLOSED`). */
  async terminate(reason?: Error): Promise<void> {
    this.#fail(reason ?? this.#closedError());
    this.#state = 'closed';
    await this.#worker.terminate();
  }

  #onMessage(m: FromWorker<Res, Ready>): void {
    if ('ready' in m) {
      if (this.#state === 'starting') this.#state = 'ready';
      this.#settleReady?.resolve(m.ready);
      this.#settleReady = null;
      this.#updateRef();
      return;
    }
    const p = this.#pending.get(m.id);
    if (!p) return;
    this.#pending.delete(m.id);
    this.#updateRef();
    if ('error' in m) p.reject(this.#rebuild(m.error));
    else p.resolve(m.result);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#settleReady?.reject(this.#failure);
    this.#settleReady = null;
    for (const p of this.#pending.values()) p.reject(this.#failure);
    this.#pending.clear();
    this.#updateRef();
  }

  #closedError(): WorkerRpcError {
    return new WorkerRpcError('VX_WORKER_CLOSED', `${this.#name} is closed`);
  }

  #updateRef(): void {
    const busy = this.#state === 'starting' || this.#state === 'closing' || this.#pending.size > 0;
    if (busy && this.#state !== 'closed') this.#worker.ref();
    else this.#worker.unref();
  }
}
