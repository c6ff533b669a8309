/**
 * Worker-thread entry of {@link WorkerSession}: owns one onnxruntime session and runs it on request, so that
 * a model run (synchronous native work in onnxruntime-node) never blocks the server's event loop.
 */
import { workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { serveRpc } from '../threads/index.ts';
import { type RunRequest, type SessionReady, type WireTensor, fromWire, toWire } from './workerSession.ts';

const { path, options } = workerData as { path: string; options: ort.InferenceSession.SessionOptions };
const session = await ort.InferenceSession.create(path, options);

serveRpc<RunRequest, Record<string, WireTensor>, SessionReady>(
  { inputNames: session.inputNames, outputNames: session.outputNames },
  {
    handle: async (request) =>
      toWire((await session.run(fromWire(request.feeds))) as Record<string, ort.Tensor>),
    close: () => session.release(),
  },
);
