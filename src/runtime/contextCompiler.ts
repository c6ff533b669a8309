import type { HmmGraph } from '../asr/index.ts';
import { ContextError, type ContextErrorCode, type ContextGraph, type SlotLimits } from '../context/index.ts';
import { VoxError } from '../protocol/index.ts';
import { type RemoteError, WorkerRpc, WorkerRpcError, rebuildRemoteError } from '../threads/index.ts';

/** What the compile worker is started with. */
export interface CompileWorkerData {
  /** Folders bare context names are looked up in before the shipped ones. */
  readonly dirs: readonly string[];
  /** The CMU model's folder, whose triphone tables the HMM graph is compiled with; null: word graphs only. */
  readonly cmuModelDir: string | null;
  readonly slotLimits: SlotLimits;
  /**
   * Common words put beside each context's commands (src/asr/competitors.ts; RuntimeOptions.competitors), with
   * the CMU model only; empty: none.
   */
  readonly competitors: readonly string[];
}

/** One compilation asked of the worker. */
export interface CompileRequest {
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
  private closed = false;
  private rpc: WorkerRpc<CompileRequest, Compiled> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly data: CompileWorkerData,
    private readonly idleMs: number = defaultCompilerIdleMs,
  ) {}

  /** The common words put beside each context's commands ({@link CompileWorkerData.competitors}). */
  get competitors(): readonly string[] {
    return this.data.competitors;
  }

  /** Whether the worker is running now (started, and not stopped for idling or dead). */
  get running(): boolean {
    return this.rpc?.alive ?? false;
  }

  /**
   * Compiles context `name` with the slot values given, starting the worker if it is not running.
   * @throws ContextError as loading and {@link withSlotValues} throw it; VoxError `VX_OVERLOADED` when too many
   *   compilations already wait; WorkerRpcError when the worker cannot start or dies, or after {@link close}
   */
  compile(request: CompileRequest): Promise<Compiled> {
    if (this.closed) return Promise.reject(closedError());
    if (this.rpc && this.rpc.pending >= maxPending)
      return Promise.reject(
        new VoxError('VX_OVERLOADED', `${maxPending} contexts are already waiting to be compiled`),
      );
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.rpc?.alive)
      this.rpc = WorkerRpc.start<CompileRequest, Compiled>(
        new URL('./contextWorker.ts', import.meta.url),
        this.data,
        { name: 'the context compiler', rebuild },
      );
    const rpc = this.rpc;
    return rpc.call(request).finally(() => this.afterCall(rpc));
  }

  /** Starts the idle timer once the running worker has nothing left to compile. */
  private afterCall(rpc: WorkerRpc<CompileRequest, Compiled>): void {
    if (rpc !== this.rpc || rpc.pending > 0 || this.closed) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopIdle(), this.idleMs);
    this.idleTimer.unref();
  }

  private stopIdle(): void {
    this.idleTimer = null;
    const idle = this.rpc;
    if (!idle || idle.pending > 0) return;
    this.rpc = null;
    void idle.terminate().catch(() => undefined);
  }

  /** Stops the worker; waiting and later compilations reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const running = this.rpc;
    this.rpc = null;
    await running?.terminate(closedError()).catch(() => undefined);
  }
}

function closedError(): WorkerRpcError {
  return new WorkerRpcError('VX_WORKER_CLOSED', 'the context compiler is closed');
}

/** The worker's error as the thread that asked sees it: a ContextError stays one (code, source, line). */
function rebuild(e: RemoteError): Error {
  if (e.name === 'ContextError' && typeof e.detail === 'string' && typeof e.source === 'string')
    return new ContextError(e.detail, e.source, typeof e.line === 'number' ? e.line : undefined, {
      code: (e.code ?? 'VX_BAD_CONTEXT') as ContextErrorCode,
    });
  return rebuildRemoteError(e);
}
