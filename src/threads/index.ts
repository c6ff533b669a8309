export { startTypeScriptWorker } from './typescriptWorker.ts';
