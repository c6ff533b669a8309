import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread that runs a TypeScript module: the worker registers the same tsx loader this
 * process runs under, then imports `entry`. (import.meta.resolve is missing under vitest; the package's ESM
 * entry sits beside its CommonJS one.)
 */
export function startTypeScriptWorker(entry: URL, workerData: unknown): Worker {
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
