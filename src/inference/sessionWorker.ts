/**
 * Worker-thread entry of {@link WorkerSession}: owns one onnxruntime session and runs it on request, so that
 * a model run (synchronous native work in onnxruntime-node) never blocks the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import ort from 'onnxruntime-node';
import type { WireTensor } from './workerSession.ts';

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
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(message.feeds))
      feeds[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    const out = await session.run(feeds);
    const outputs: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(out))
      outputs[name] = { type: t.type, data: t.data as WireTensor['data'], dims: [...t.dims] };
    port.postMessage({ id: message.id, outputs });
  } catch (error) {
    port.postMessage({ id: message.id, error: (error as Error).message });
  }
});
port.postMessage({ ready: true, inputNames: session.inputNames, outputNames: session.outputNames });
