import type { Worker } from 'node:worker_threads';
import type { HmmGraph } from '../asr/index.ts';
import { ContextError, type ContextErrorCode, type ContextGraph, type SlotLimits } from '../context/index.ts';
import { VoxError } from '../protocol/index.ts';
import { startTypeScriptWorker } from '../threads/index.ts';

/** What the compile worker is started with. */
export interface CompileWorkerData {
  /** Folders bare context names are looked up in before the shipped ones. */
  readonly dirs: readonly string[];
  /** The CMU model's folder, whose triphone tables the HMM graph is compiled with; null: word graphs only. */
  readonly cmuModelDir: string | null;
  readonly slotLimits: SlotLimits;
}

/** One compilation asked of the worker. */
export interface CompileRequest {
  readonly id: number;
  readonly name: string;
  readonly slots: Readonly<Record<string, readonly string[]>> | null;
  readonly mode: 'add' | 'replace';
}

/** What the worker compiled: the word graph, and the HMM graph without its `context` (null for CTC). */
export interface Compiled {
  readonly graph: ContextGraph;
  readonly hmm: Omit<HmmGraph, 'context'> | null;
}

interface Pending {
  resolve(compiled: Compiled): void;
  reject(error: unknown): void;
}

/** Compilations allowed to wait for the worker; more are refused with `VX_OVERLOADED`. */
const maxPending = 256;

/**
 * Compiles contexts in a worker thread, one at a time in the order asked: loading a context, adding a
 * session's slot values and compiling the graphs take tens to hundreds of ms of CPU, which on the event loop
 * would stall every session's audio. What comes back costs the event loop a structured clone of the word
 * graph (about 3 ms for a few thousand arcs); the HMM graph's arrays are transferred.
 */
export class ContextCompiler {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; error?: WorkerError } & Partial<Compiled>) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error) p.reject(rebuild(m.error));
      else p.resolve({ graph: m.graph as ContextGraph, hmm: m.hmm ?? null });
    });
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => {
      // Later requests fail at once rather than wait on a thread that is gone.
      this.closed = true;
      this.failAll(new Error('the context compiler exited'));
    });
    worker.unref();
  }

  /** Starts the worker; resolves once it has loaded what it compiles with. */
  static start(data: CompileWorkerData): Promise<ContextCompiler> {
    const worker = startTypeScriptWorker(new URL('./contextWorker.ts', import.meta.url), data);
    return new Promise((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (!m.ready) return;
        worker.off('error', reject);
        worker.off('message', onMessage);
        resolve(new ContextCompiler(worker));
      };
      worker.on('message', onMessage);
      worker.once('error', (error) => {
        void worker.terminate();
        reject(error);
      });
    });
  }

  /**
   * Compiles context `name` with the slot values given.
   * @throws ContextError as loading and {@link withSlotValues} throw it; VoxError `VX_OVERLOADED` when too many
   *   compilations already wait
   */
  compile(request: Omit<CompileRequest, 'id'>): Promise<Compiled> {
    if (this.closed) return Promise.reject(new Error('the context compiler is closed'));
    if (this.pending.size >= maxPending)
      return Promise.reject(
        new VoxError('VX_OVERLOADED', `${maxPending} contexts are already waiting to be compiled`),
      );
    const id = this.nextId++;
    return new Promise<Compiled>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Keep the process alive while a compilation is under way, not while the worker idles.
      this.worker.ref();
      this.worker.postMessage({ id, ...request } satisfies CompileRequest);
    });
  }

  private failAll(error: unknown): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('the context compiler is closed'));
    await this.worker.terminate();
  }
}

interface WorkerError {
  readonly name: string;
  readonly message: string;
  readonly code: string | null;
  readonly detail: string | null;
  readonly line: number | null;
  readonly source: string | null;
}

/** The worker's error as the thread that asked sees it: a ContextError stays one (code, source, line). */
function rebuild(e: WorkerError): Error {
  if (e.name === 'ContextError' && e.detail !== null && e.source !== null)
    return new ContextError(e.detail, e.source, e.line ?? undefined, {
      code: (e.code ?? 'VX_BAD_CONTEXT') as ContextErrorCode,
    });
  return Object.assign(new Error(e.message), { code: e.code ?? undefined });
}
