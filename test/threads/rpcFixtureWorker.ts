/** A worker for test/threads/workerRpc.test.ts: what each request asks of it, it does. */
import { workerData } from 'node:worker_threads';
import { serveRpc } from '../../src/threads/index.ts';

/** What the tests ask of the fixture worker. */
export type FixtureRequest =
  | { readonly op: 'echo'; readonly value: unknown; readonly ms?: number }
  | { readonly op: 'double'; readonly data: Float32Array }
  | { readonly op: 'refuse'; readonly message: string; readonly code: string }
  | { readonly op: 'crash' }
  | { readonly op: 'exit' };

const options = workerData as { failStart?: boolean; closed?: SharedArrayBuffer };
if (options.failStart) throw new Error('fixture refused to start');

serveRpc<FixtureRequest, unknown, { pid: string }>(
  { pid: 'fixture' },
  {
    async handle(request) {
      switch (request.op) {
        case 'echo':
          await new Promise((resolve) => setTimeout(resolve, request.ms ?? 0));
          return request.value;
        case 'double':
          return request.data.map((x) => 2 * x);
        case 'refuse':
          throw Object.assign(new Error(request.message), { code: request.code, line: 7 });
        case 'crash':
          setImmediate(() => {
            throw new Error('fixture crashed');
          });
          return new Promise(() => undefined);
        case 'exit':
          process.exit(3);
      }
    },
    transfer: (result) => (result instanceof Float32Array ? [result.buffer as ArrayBuffer] : []),
    close() {
      if (options.closed) new Int32Array(options.closed)[0] = 1;
    },
  },
);
