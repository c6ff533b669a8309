/**
 * Worker-thread entry of {@link RnnoiseWorker}: owns the RNNoise WASM module and every stream's state, and
 * denoises chunks on request, so that RNNoise (about 0.05 of a core per real-time stream) never runs on the
 * server's event loop. Requests: `{ stream, pcm }` denoises a chunk of that stream (created on first use);
 * `{ stream, pcm: null }` releases the stream.
 */
import { serveRpc } from '../threads/index.ts';
import { type DenoiseStream, RnnoiseDenoiser } from './rnnoise.ts';
import type { RnnoiseRequest } from './rnnoiseWorkerClient.ts';

const denoiser = await RnnoiseDenoiser.load();
const streams = new Map<number, DenoiseStream>();

serveRpc<RnnoiseRequest, Float32Array>(undefined, {
  handle({ stream, sampleRate, pcm }) {
    let state = streams.get(stream);
    if (pcm === null) {
      state?.release();
      streams.delete(stream);
      return new Float32Array(0);
    }
    if (!state) {
      state = denoiser.stream(sampleRate);
      streams.set(stream, state);
    }
    return state.push(pcm);
  },
  transfer: (out) => [out.buffer as ArrayBuffer],
  close() {
    for (const s of streams.values()) s.release();
    streams.clear();
  },
});
