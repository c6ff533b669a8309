/**
 * The slice of the Emscripten module API of the `espeak-ng` package (an ES6 MODULARIZE build) that
 * `espeakInstance.ts` relies on. The package ships no types.
 */
declare module 'espeak-ng' {
  /** Imports handed to `instantiateWasm`: module name → field name → value. */
  export type EspeakWasmImports = Record<string, Record<string, unknown>>;

  /** Incoming module settings read once by the generated glue code. */
  export interface EspeakModuleArg {
    /** argv[1..] for `main`; without it the glue reads `process.argv`. */
    arguments: string[];
    thisProgram?: string;
    /** Skip the automatic call of `main` once the runtime is initialised. */
    noInitialRun?: boolean;
    print?: (line: string) => void;
    printErr?: (line: string) => void;
    /** Replaces the default `quit_`, which would set `process.exitCode` before throwing. */
    quit?: (status: number, toThrow: unknown) => never;
    instantiateWasm?: (
      imports: EspeakWasmImports,
      receiveInstance: (instance: { exports: Record<string, unknown> }, module?: object) => void,
    ) => Record<string, unknown>;
  }

  /** The subset of Emscripten's FS object used here. */
  export interface EspeakFs {
    writeFile(path: string, data: string | Uint8Array): void;
    readFile(path: string): Uint8Array;
    unlink(path: string): void;
    mkdir(path: string): void;
    createDataFile(
      parent: string,
      name: string | null,
      data: Uint8Array,
      canRead: boolean,
      canWrite: boolean,
      canOwn: boolean,
    ): void;
  }

  /** The initialised module the factory resolves to. */
  export interface EspeakModule {
    FS: EspeakFs;
  }

  /** Instantiates the WASM module, initialises the runtime and (unless `noInitialRun`) runs `main`. */
  export default function ESpeakNg(moduleArg: EspeakModuleArg): Promise<EspeakModule>;
}
