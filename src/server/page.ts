import { readFile, readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shippedContextsDir } from '../context/index.ts';

/** Where the page's static files live (plain JS and CSS, no build step). */
const pageDir = fileURLToPath(new URL('./page/', import.meta.url));

/**
 * URL path → file in {@link pageDir} and its content type. A fixed table rather than a path join, so no
 * request (`/../x`, `%2e%2e`, a symlink) can reach any other file.
 */
const files: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/index.html', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/app.js', { file: 'app.js', type: 'text/javascript; charset=utf-8' }],
  ['/worklet.js', { file: 'worklet.js', type: 'text/javascript; charset=utf-8' }],
  ['/style.css', { file: 'style.css', type: 'text/css; charset=utf-8' }],
]);

// The page loads nothing from anywhere but this server; 'self' covers ws:/wss: to the same host (CSP 3).
const headers = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * Serves the browser client: `GET /` (and `/index.html`, `/app.js`, `/worklet.js`, `/style.css`) and
 * `GET /contexts` (`{"contexts": [names]}`, the contexts a bare name in `start` can load: those in `dirs`, the
 * server's `--contexts` folder, and the shipped ones). `HEAD` too.
 *
 * @returns whether the request was one of these (and is being answered); `false` leaves it to the caller.
 */
export function servePage(req: IncomingMessage, res: ServerResponse, dirs: readonly string[] = []): boolean {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const entry = files.get(path);
  if (!entry && path !== '/contexts') return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    return true;
  }
  const body = entry
    ? readFile(join(pageDir, entry.file)).then((bytes) => ({ type: entry.type, bytes }))
    : listContexts([...dirs, shippedContextsDir()]).then((contexts) => ({
        type: 'application/json',
        bytes: Buffer.from(JSON.stringify({ contexts })),
      }));
  body.then(
    ({ type, bytes }) => {
      res.writeHead(200, { ...headers, 'content-type': type, 'content-length': bytes.byteLength });
      res.end(req.method === 'HEAD' ? undefined : bytes);
    },
    () => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    },
  );
  return true;
}

/** Names of the contexts in `dirs`, sorted. */
async function listContexts(dirs: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const dir of dirs) {
    const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const file of entries) {
      // A bare name has no dots, which also leaves out the `NAME.replies.yaml` sidecars.
      const m = /^([\w-]+)\.yaml$/.exec(file);
      if (m?.[1]) names.add(m[1]);
    }
  }
  return [...names].sort();
}
