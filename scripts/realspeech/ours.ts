/**
 * Our recognizer on a set's files: each file through the server's own per-session graph (`inferFile`, as
 * `voxstream infer` runs it), or several files through one session (`inferSession`).
 */
import { type InferResult, inferSession } from '../../src/cli/infer.ts';
import { Engine, type RuntimeOptions, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';

/**
 * Loads the default models as `voxstream infer` does (inference on the main thread), with `options` over
 * the defaults (e.g. `acousticFrameDownsample`).
 */
export function loadEngine(options: Partial<RuntimeOptions> = {}): Promise<Engine> {
  return Engine.load(resolveRuntimeOptions({ inferenceThreads: 'main', ...options }), {
    log: createLogger('silent'),
  });
}

/** Options of {@link runOurs}. */
export interface OursOptions {
  /**
   * Sessions in flight at once. Default 1: one stream, so that the real-time factor is a single stream's, as
   * pocketsphinx_batch decodes one utterance at a time.
   */
  readonly concurrency?: number;
  /**
   * Files that go through one session together, as index groups into `files` (each index once): a device that
   * keeps its socket open for several commands ({@link inferSession}). Default: one session per file.
   */
  readonly sessions?: readonly (readonly number[])[];
  /** Called after each file with the number done so far. */
  readonly onProgress?: (done: number) => void;
}

/** What our recognizer made of a set's files. */
export interface OursRun {
  /** One per file, in order; `null` where the file failed (the error is in `errors`). */
  readonly results: readonly (InferResult | null)[];
  readonly errors: readonly { readonly file: string; readonly message: string }[];
  /** Sum of `inferFile`'s per-file wall times, ms (reading and decoding the file included). */
  readonly processMs: number;
  /** Sum of the files' durations, ms (without the silence inferFile pads them with). */
  readonly audioMs: number;
  /**
   * CPU time of this process while the files ran, ms (user + system, every thread: onnxruntime's included):
   * unlike `processMs`, it does not grow when other processes take the cores.
   */
  readonly cpuMs: number;
}

/** Runs `files` (paths) through our recognizer with the context `contextName` (a name or a path). */
export async function runOurs(
  engine: Engine,
  contextName: string,
  files: readonly string[],
  options: OursOptions = {},
): Promise<OursRun> {
  const concurrency = options.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new TypeError(`concurrency: expected a positive integer, got ${concurrency}`);
  }
  const context = await engine.context(contextName);
  const results: (InferResult | null)[] = new Array<InferResult | null>(files.length).fill(null);
  const errors: { file: string; message: string }[] = [];
  const sessions = options.sessions ?? files.map((_, i) => [i]);
  const seen = sessions.flat();
  if (
    seen.length !== files.length ||
    new Set(seen).size !== files.length ||
    seen.some((i) => !(i in files))
  ) {
    throw new RangeError('sessions: every file index exactly once');
  }
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let s = next++; s < sessions.length; s = next++) {
      const group = sessions[s] as readonly number[];
      const paths = group.map((i) => files[i] as string);
      try {
        const out = await inferSession(engine, context, paths);
        group.forEach((i, k) => {
          results[i] = out[k] ?? null;
        });
      } catch (error) {
        // One session's error is every one of its files' (a single file: that file's).
        for (const file of paths) errors.push({ file, message: (error as Error).message });
      }
      done += group.length;
      options.onProgress?.(done);
    }
  };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const { user, system } = process.cpuUsage(cpu);
  let processMs = 0;
  let audioMs = 0;
  for (const r of results) {
    processMs += r?.processMs ?? 0;
    audioMs += r?.audioMs ?? 0;
  }
  return { results, errors, processMs, audioMs, cpuMs: (user + system) / 1000 };
}
