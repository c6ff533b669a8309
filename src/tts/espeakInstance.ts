import ESpeakNg, { type EspeakFs, type EspeakModule, type EspeakModuleArg } from 'espeak-ng';
import { wasmApi, type WasmImports, type WasmMemory, type WasmModule } from './wasmApi.ts';

/** Lines of espeak-ng stdout/stderr kept per instance for error messages. */
const MAX_LOG_LINES = 20;

/** What the Emscripten glue reports back through the callbacks given at creation. */
interface InstanceIo {
  /** Set when the program called `exit()`; the glue then throws to unwind. */
  exitStatus: number | undefined;
  log: string[];
}

/** The raw WASM exports used to call `main` ourselves (the glue does not export `callMain`). */
interface MainExports {
  memory: WasmMemory;
  stackAlloc: (bytes: number) => number;
  __main_argc_argv: (argc: number, argv: number) => number;
}

/**
 * One instantiated, initialised espeak-ng WASM runtime whose `main` has not run yet. `main` runs
 * at most once per instance (espeak-ng keeps global state), so an instance is single-use.
 *
 * Creating one costs an instantiation (cheap with a precompiled module) plus the runtime start-up,
 * which registers the ~450 embedded voice-data files in the in-memory FS; that start-up dominates.
 */
export class EspeakInstance {
  readonly #module: EspeakModule;
  readonly #exports: MainExports;
  readonly #io: InstanceIo;
  #used = false;

  private constructor(module: EspeakModule, exports: MainExports, io: InstanceIo) {
    this.#module = module;
    this.#exports = exports;
    this.#io = io;
  }

  /** Instantiates `wasm` (the compiled `espeak-ng.wasm`) and initialises its runtime without running `main`. */
  static async create(wasm: WasmModule): Promise<EspeakInstance> {
    const io: InstanceIo = { exitStatus: undefined, log: [] };
    const record = (line: string): void => {
      io.log.push(line);
      if (io.log.length > MAX_LOG_LINES) io.log.shift();
    };
    let exports: Record<string, unknown> | undefined;
    let failInstantiate: (error: unknown) => void = () => {};
    // The glue never settles its ready promise if our instantiateWasm fails, so race it.
    const instantiateFailed = new Promise<never>((_, reject) => (failInstantiate = reject));
    const moduleArg: EspeakModuleArg & Partial<EspeakModule> = {
      arguments: [],
      thisProgram: 'espeak-ng',
      noInitialRun: true,
      print: record,
      printErr: record,
      // The default quit_ sets process.exitCode, which would leak espeak's status into the server's.
      quit: (status, toThrow) => {
        io.exitStatus = status;
        throw toThrow;
      },
      instantiateWasm: (imports, receiveInstance) => {
        installFastEmbeddedFileLoader(
          imports,
          () => moduleArg.FS,
          () => exports,
        );
        // receiveInstance starts the runtime synchronously, so its errors land in this catch too.
        wasmApi
          .instantiate(wasm, imports)
          .then((instance) => {
            exports = instance.exports;
            receiveInstance(instance, wasm);
          })
          .catch(failInstantiate);
        return {};
      },
    };
    const ready = ESpeakNg(moduleArg);
    const module = await Promise.race([ready, instantiateFailed]);
    if (exports === undefined) throw new Error('espeak-ng initialised without WASM exports');
    return new EspeakInstance(module, exports as unknown as MainExports, io);
  }

  /** Whether `run` was called. */
  get used(): boolean {
    return this.#used;
  }

  /** The last lines espeak-ng printed, joined; for error messages. */
  get log(): string {
    return this.#io.log.join('\n');
  }

  /** Writes a UTF-8 text file into the instance's in-memory FS. */
  writeFile(path: string, text: string): void {
    this.#module.FS.writeFile(path, text);
  }

  /** Reads a file from the instance's in-memory FS; `undefined` when it does not exist. */
  readFile(path: string): Uint8Array | undefined {
    try {
      return this.#module.FS.readFile(path);
    } catch {
      return undefined;
    }
  }

  /**
   * Runs `main(args)` synchronously, as the glue's unexported `callMain` would.
   *
   * @returns the exit status (from `exit()` or `main`'s return value).
   * @throws when the program traps or aborts, or when the instance was already used.
   */
  run(args: readonly string[]): number {
    if (this.#used) throw new Error('an espeak-ng instance runs main only once');
    this.#used = true;
    const { memory, stackAlloc, __main_argc_argv: main } = this.#exports;
    const encoder = new TextEncoder();
    const argv = ['espeak-ng', ...args];
    const pointers = argv.map((arg) => {
      const bytes = encoder.encode(arg);
      const pointer = stackAlloc(bytes.length + 1);
      const heap = new Uint8Array(memory.buffer, pointer, bytes.length + 1);
      heap.set(bytes);
      heap[bytes.length] = 0;
      return pointer;
    });
    // stackAlloc returns 16-byte aligned pointers, so a Uint32Array view is safe.
    const argvPointer = stackAlloc(4 * (pointers.length + 1));
    const argvView = new Uint32Array(memory.buffer, argvPointer, pointers.length + 1);
    argvView.set(pointers);
    argvView[pointers.length] = 0;
    try {
      const returned = main(argv.length, argvPointer);
      return this.#io.exitStatus ?? returned;
    } catch (error) {
      // exit() unwinds by throwing through our quit callback after recording the status.
      if (this.#io.exitStatus !== undefined) return this.#io.exitStatus;
      throw error;
    }
  }
}

/**
 * Replaces the glue's `_emscripten_fs_load_embedded_files` import, which runs during start-up and
 * registers every embedded espeak-ng-data file. The original calls `FS.createPath` per file, which
 * tries `mkdir` on every path component and swallows EEXIST; in this ASSERTIONS build each of those
 * ~2,700 errors captures and demangles a stack trace, about half of the start-up time. This version
 * reads the same table (name pointer, length, data pointer; ends at a null name) and creates each
 * directory once. Left alone when the glue has no such import.
 */
function installFastEmbeddedFileLoader(
  imports: WasmImports,
  getFs: () => EspeakFs | undefined,
  getExports: () => Record<string, unknown> | undefined,
): void {
  const env = imports['env'];
  const name = '_emscripten_fs_load_embedded_files';
  if (env === undefined || typeof env[name] !== 'function') return;
  env[name] = (tablePointer: number): void => {
    const fs = getFs();
    const memory = getExports()?.['memory'];
    if (fs === undefined || !(memory instanceof wasmApi.Memory)) {
      throw new Error('espeak-ng glue changed: FS or memory missing while loading embedded files');
    }
    const heap8 = new Uint8Array(memory.buffer);
    const heap32 = new Uint32Array(memory.buffer);
    const decoder = new TextDecoder();
    const made = new Set<string>();
    let pointer = tablePointer;
    do {
      const nameAddress = heap32[pointer >> 2] ?? 0;
      const length = heap32[(pointer >> 2) + 1] ?? 0;
      const content = heap32[(pointer >> 2) + 2] ?? 0;
      pointer += 12;
      const path = decoder.decode(heap8.subarray(nameAddress, heap8.indexOf(0, nameAddress)));
      const parts = path.split('/').filter((part) => part !== '');
      let dir = '';
      for (const part of parts.slice(0, -1)) {
        dir += `/${part}`;
        if (made.has(dir)) continue;
        made.add(dir);
        try {
          fs.mkdir(dir);
        } catch {
          // Made by the runtime itself at start-up (/tmp, /home, /dev); nothing to do.
        }
      }
      // canOwn: the file aliases WASM memory that is never written again, as in the original.
      fs.createDataFile(path, null, heap8.subarray(content, content + length), true, true, true);
    } while ((heap32[pointer >> 2] ?? 0) !== 0);
  };
}
