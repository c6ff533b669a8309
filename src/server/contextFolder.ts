import { stat } from 'node:fs/promises';
import { type ContextWatch, ContextError, contextNamesIn, watchContexts } from '../context/index.ts';
import type { Engine, Logger } from '../runtime/index.ts';

/**
 * Serves a folder of the user's contexts (`--contexts DIR`): checks every `NAME.yaml` there at start-up and
 * again whenever it or its `NAME.replies.yaml` changes, so that a context that does not parse is reported at
 * once (a warning naming file and line) while the version in service, if any, stays; one that does replaces it
 * for the sessions that start from then on.
 * @throws TypeError when `dir` is not a folder
 */
export async function serveContextFolder(
  dir: string,
  engine: Engine,
  log: Logger,
  debounceMs?: number,
): Promise<ContextWatch> {
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) throw new TypeError(`server option contextsDir: ${dir} is not a folder`);
  const check = async (name: string) => {
    try {
      const outcome = await engine.reloadContext(name);
      log.info('context checked', { context: name, dir, outcome });
    } catch (error) {
      const e = error instanceof ContextError ? error : null;
      // The message starts with file:line; the fields say them again for a log query.
      log.warn('context does not load; the version in service, if any, stays', {
        context: name,
        file: e?.source ?? dir,
        line: e?.line ?? null,
        error: (error as Error).message,
      });
    }
  };
  // One check at a time per context, in the order of the changes: the last version on disk wins.
  const queued = new Map<string, Promise<void>>();
  const reload = (name: string): Promise<void> => {
    const next = (queued.get(name) ?? Promise.resolve()).then(() => check(name));
    queued.set(name, next);
    void next.then(() => queued.get(name) === next && queued.delete(name));
    return next;
  };
  const names = await contextNamesIn(dir);
  for (const name of names) await reload(name);
  log.info('serving contexts', { dir, contexts: names });
  return watchContexts(dir, (name) => void reload(name), {
    ...(debounceMs === undefined ? {} : { debounceMs }),
    onError: (error) =>
      log.warn('watching the contexts folder failed; changes are no longer picked up', {
        dir,
        error: error.message,
      }),
  });
}
