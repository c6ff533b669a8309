/**
 * Worker-thread entry of {@link WorkerSession}: owns one onnxruntime session and runs it on request, so that
 * a model run (synchronous native work in onnxruntime-node) never blocks the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import { type WireTensor, fromWire, toWire } from './workerSession.ts';

interface Request {
  readonly id: number;
  readonly feeds: Record<string, WireTensor>;
}

const port = parentPort;
if (!port) throw new Error('sessionWorker.ts must run in a worker thread');
const { path, options } = workerData as { path: string; options: ort.InferenceSession.SessionOptions };
const session = await ort.InferenceSession.create(path, options);

port.on('message', async (message: Request | 'close') => {
  if (message === 'close') {
    await session.release();
    port.close();
    return;
  }
  try {
    const out = await session.run(fromWire(message.feeds));
    port.postMessage({ id: message.id, outputs: toWire(out as Record<string, ort.Tensor>) });
  } catch (error) {
    port.postMessage({ id: message.id, error: (error as Error).message });
  }
});
port.postMessage({ ready: true, inputNames: session.inputNames, outputNames: session.outputNames });
