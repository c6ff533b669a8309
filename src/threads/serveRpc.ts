import { type Transferable, parentPort } from 'node:worker_threads';
import type { FromWorker, RemoteError, ToWorker } from './workerRpc.ts';

/** What a worker does with the requests a {@link WorkerRpc} sends it. */
export interface RpcHandlers<Req, Res> {
  /** Answers one request; what it throws is sent back as a {@link RemoteError}. */
  handle(request: Req): Promise<Res> | Res;
  /** Buffers of an answer to move to the asking thread instead of copying. Default none. */
  transfer?(result: Res): Transferable[];
  /** Lets go of what the worker owns when the asking thread closes it; the worker exits after. */
  close?(): Promise<void> | void;
}

/**
 * The worker's side of a {@link WorkerRpc}: answers each request with `handlers.handle`, then says it is
 * `ready` (with what the asking thread should know, e.g. a model's input names). Call it once, in a worker
 * thread, after whatever the worker loads first.
 */
export function serveRpc<Req, Res, Ready = void>(ready: Ready, handlers: RpcHandlers<Req, Res>): void {
  const port = parentPort;
  if (!port) throw new Error('serveRpc must run in a worker thread');
  const post = (message: FromWorker<Res, Ready>, transfer?: Transferable[]) =>
    port.postMessage(message, transfer);
  port.on('message', async (message: ToWorker<Req>) => {
    if (message === 'close') {
      await handlers.close?.();
      port.close();
      return;
    }
    try {
      const result = await handlers.handle(message.request);
      post({ id: message.id, result }, handlers.transfer?.(result));
    } catch (error) {
      post({ id: message.id, error: toRemoteError(error) });
    }
  });
  post({ ready });
}

/** `error` as it can cross threads: its name, message and own fields of plain values (`code`, `line`…). */
function toRemoteError(error: unknown): RemoteError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(error))
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value;
  return { ...fields, name: error.name, message: error.message };
}
