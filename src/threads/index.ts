export { type RpcHandlers, serveRpc } from './serveRpc.ts';
export { startTypeScriptWorker } from './typescriptWorker.ts';
export {
  type CallOptions,
  type RemoteError,
  WorkerRpc,
  WorkerRpcError,
  type WorkerRpcErrorCode,
  type WorkerRpcOptions,
  rebuildRemoteError,
} from './workerRpc.ts';
