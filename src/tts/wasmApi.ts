/**
 * Minimal typings for the parts of the WebAssembly JS API used here: the project's `lib` (ES2023,
 * no DOM) and `@types/node` declare none of it.
 */

/** A compiled WebAssembly module (opaque). */
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}

/** A WebAssembly linear memory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

/** An instantiated module. */
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

/** Import object: module name → field name → value. */
export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
  Memory: abstract new (...args: never[]) => WasmMemory;
}

/** The global `WebAssembly` object, typed by the interfaces above. */
export const wasmApi: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
