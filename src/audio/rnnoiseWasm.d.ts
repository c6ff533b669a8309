/** The Emscripten module factory of npm `@echogarden/rnnoise-wasm` (it ships no types). */
declare module '@echogarden/rnnoise-wasm' {
  const create: () => Promise<unknown>;
  export default create;
}
