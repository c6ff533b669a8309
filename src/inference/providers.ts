import ort from 'onnxruntime-node';
import { type ModelSession, WorkerSession } from './workerSession.ts';

/** Where models run: `auto` picks the best provider that starts, `cpu` never fails. */
export type Device = 'auto' | 'cpu' | 'webgpu' | 'cuda';

export const devices: readonly Device[] = ['auto', 'cpu', 'webgpu', 'cuda'];

/** A session and the provider it actually runs on (after any fallback). */
export interface OpenedSession {
  readonly session: ModelSession;
  readonly provider: 'cpu' | 'webgpu' | 'cuda';
  /** Why the provider is what it is (e.g. "webgpu failed: …; fell back to cpu"). */
  readonly reason: string;
}

/** Options for {@link openSession}. */
export interface OpenSessionOptions {
  device: Device;
  /** Threads for one run on the CPU provider. Default 1: sessions run in parallel across the pool. */
  intraOpThreads: number;
  /**
   * On the CPU provider, run the model in its own worker thread ({@link WorkerSession}) instead of on the
   * calling thread. Default false here; the server's engine turns it on (`inferenceThreads`).
   */
  worker: boolean;
}

export const defaultOpenSessionOptions: OpenSessionOptions = {
  device: 'cpu',
  intraOpThreads: 1,
  worker: false,
};

/**
 * Opens an ONNX model on the requested device, falling back to the CPU with a reason instead of failing:
 * a GPU provider that is missing or fails to start must never stop the server.
 */
export async function openSession(
  path: string,
  options: Partial<OpenSessionOptions> = {},
): Promise<OpenedSession> {
  const { device, intraOpThreads, worker } = { ...defaultOpenSessionOptions, ...options };
  const base: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  const tries: ('webgpu' | 'cuda')[] =
    device === 'auto' ? ['cuda', 'webgpu'] : device === 'cpu' ? [] : [device];
  const failures: string[] = [];
  for (const provider of tries) {
    try {
      const session = await ort.InferenceSession.create(path, { ...base, executionProviders: [provider] });
      return { session, provider, reason: `${provider} requested (${device}) and started` };
    } catch (error) {
      failures.push(`${provider} failed: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    const cpu = { ...base, executionProviders: ['cpu'] };
    const session = worker
      ? await WorkerSession.open(path, cpu)
      : await ort.InferenceSession.create(path, cpu);
    const reason = failures.length ? `${failures.join('; ')}; fell back to cpu` : 'cpu requested';
    return { session, provider: 'cpu', reason };
  } catch (error) {
    throw new ModelLoadError(path, error);
  }
}

/** A model file that cannot be loaded: the message names the file. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  readonly code = 'VX_MODEL_LOAD';
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot load model ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
