import { type FSWatcher, watch } from 'node:fs';
import { readdir } from 'node:fs/promises';

/** Options of {@link watchContexts}. */
export interface WatchContextsOptions {
  /**
   * Quiet time after a file's last change before it is reported, ms. Default 200: an editor's save is a burst
   * of events (truncate, write, rename), and a half-written file must not be parsed.
   */
  readonly debounceMs?: number;
  /** Called when the watch itself fails (the folder was removed, say); it is closed then. */
  readonly onError?: (error: Error) => void;
}

/** A running {@link watchContexts}; `close()` stops it and drops pending reports. Idempotent. */
export interface ContextWatch {
  close(): void;
}

/** `NAME.yaml` or `NAME.replies.yaml`, with `NAME` a context name. */
const contextFile = /^([\w-]+)(?:\.replies)?\.yaml$/;

/** The context names with a `NAME.yaml` in `dir`, sorted (sidecars and other files left out). */
export async function contextNamesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const file of await readdir(dir)) {
    const m = /^([\w-]+)\.yaml$/.exec(file);
    if (m?.[1]) names.push(m[1]);
  }
  return names.sort();
}

/**
 * Watches a folder of contexts (not its subfolders) and calls `changed(name)` once a context's `NAME.yaml` or
 * its `NAME.replies.yaml` was added, changed or removed and then left alone for `debounceMs`.
 */
export function watchContexts(
  dir: string,
  changed: (name: string) => void,
  options: WatchContextsOptions = {},
): ContextWatch {
  const debounceMs = options.debounceMs ?? 200;
  const pending = new Map<string, NodeJS.Timeout>();
  let watcher: FSWatcher | null = null;
  const close = () => {
    watcher?.close();
    watcher = null;
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
  watcher = watch(dir, { persistent: false }, (_event, filename) => {
    // Linux always names the file; a platform that does not cannot say which context changed.
    const name = filename === null ? undefined : contextFile.exec(filename.toString())?.[1];
    if (name === undefined || watcher === null) return;
    clearTimeout(pending.get(name));
    pending.set(
      name,
      setTimeout(() => {
        pending.delete(name);
        changed(name);
      }, debounceMs),
    );
  });
  watcher.on('error', (error) => {
    close();
    options.onError?.(error);
  });
  return { close };
}
