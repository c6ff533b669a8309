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
  /**
   * Instead of the context `name`: a free loop over these words (src/asr/wordLoop.ts), its HMM graph
   * compiled with {@link wordLoopHmmOptions}. Absent or null for a context.
   */
  readonly words?: readonly string[] | null;
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

/** How long the worker stays after its last compilation before it is stopped (its memory given back), ms. */
export const defaultCompilerIdleMs = 60_000;

/**
 * Compiles contexts in a worker thread, one at a time in the order asked: loading a context, adding a
 * session's slot values and compiling the graphs take tens to hundreds of ms of CPU, which on the event loop
 * would stall every session's audio. What comes back costs the event loop a structured clone of the word
 * graph (about 3 ms for a few thousand arcs); the HMM graph's arrays are transferred.
 *
 * The worker holds its own lexicon and acoustic tables (about 170 MB resident), so it is started by the first
 * compilation and stopped after `idleMs` without one; the next starts it again (a second or two).
 */
export class ContextCompiler {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private worker: Promise<Worker> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly data: CompileWorkerData,
    private readonly idleMs: number = defaultCompilerIdleMs,
  ) {}

  /** Whether the worker is running now (started, and not stopped for idling). */
  get running(): boolean {
    return this.worker !== null;
  }

  /**
   * Compiles context `name` with the slot values given, starting the worker if it is not running.
   * @throws ContextError as loading and {@link withSlotValues} throw it; VoxError `VX_OVERLOADED` when too many
   *   compilations already wait; the worker's error when it cannot start
   */
  compile(request: Omit<CompileRequest, 'id'>): Promise<Compiled> {
    if (this.closed) return Promise.reject(new Error('the context compiler is closed'));
    if (this.pending.size >= maxPending)
      return Promise.reject(
        new VoxError('VX_OVERLOADED', `${maxPending} contexts are already waiting to be compiled`),
      );
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const id = this.nextId++;
    return new Promise<Compiled>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.started().then(
        (worker) => {
          // Keep the process alive while a compilation is under way, not while the worker idles.
          worker.ref();
          worker.postMessage({ id, ...request } satisfies CompileRequest);
        },
        (error: unknown) => {
          if (this.pending.delete(id)) reject(error);
        },
      );
    });
  }

  /** The running worker, or a new one once it has loaded what it compiles with. */
  private started(): Promise<Worker> {
    if (this.worker) return this.worker;
    const started = new Promise<Worker>((resolve, reject) => {
      const worker = startTypeScriptWorker(new URL('./contextWorker.ts', import.meta.url), this.data);
      worker.unref();
      worker.on('message', (m: { ready?: boolean; id?: number }) => {
        if (m.ready) resolve(worker);
        else this.settle(worker, m as WorkerAnswer);
      });
      worker.on('error', (error) => {
        reject(error);
        if (this.worker === started) this.failAll(error);
      });
      worker.on('exit', () => {
        reject(new Error('the context compiler exited'));
        // A worker stopped for idling was let go already; one that died leaves its requests to fail.
        if (this.worker !== started) return;
        this.worker = null;
        this.failAll(new Error('the context compiler exited'));
      });
    });
    this.worker = started;
    return started;
  }

  private settle(worker: Worker, m: WorkerAnswer): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(rebuild(m.error));
    else p.resolve({ graph: m.graph as ContextGraph, hmm: m.hmm ?? null });
    if (this.pending.size > 0) return;
    worker.unref();
    this.idleTimer = setTimeout(() => this.stopIdle(), this.idleMs);
    this.idleTimer.unref();
  }

  private stopIdle(): void {
    this.idleTimer = null;
    if (this.pending.size > 0 || !this.worker) return;
    const idle = this.worker;
    this.worker = null;
    void idle.then((w) => w.terminate()).catch(() => undefined);
  }

  private failAll(error: unknown): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.failAll(new Error('the context compiler is closed'));
    const running = this.worker;
    this.worker = null;
    await running?.then((w) => w.terminate()).catch(() => undefined);
  }
}

type WorkerAnswer = { id: number; error?: WorkerError } & Partial<Compiled>;

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
