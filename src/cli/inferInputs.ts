import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Extensions `infer` takes from a directory (a file named on the command line is tried whatever it is called). */
export const audioExtensions: readonly string[] = ['.wav', '.opus', '.ogg'];

/**
 * The files that `infer` arguments name, in order: a file as given, a directory's audio files (every
 * {@link audioExtensions} file below it, sorted by path), and for `-` one path per non-empty line of `stdin`.
 * A path that does not exist is kept, so that it gets its own error line like any other unreadable file.
 */
export async function inferInputs(args: readonly string[], stdin: Readable): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      for await (const line of createInterface({ input: stdin, crlfDelay: Infinity })) {
        const path = line.trim();
        if (path.length > 0) files.push(path);
      }
      continue;
    }
    const info = await stat(arg).catch(() => null);
    if (info?.isDirectory()) files.push(...(await audioFilesUnder(arg)));
    else files.push(arg);
  }
  return files;
}

/** Every audio file below `root`, sorted; a loop over a list of folders, not a recursion, so depth costs no stack. */
async function audioFilesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const folders = [root];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) folders.push(path);
      else if (!audioExtensions.includes(extname(entry.name).toLowerCase())) continue;
      // A link to a file counts; links to folders are not followed (a cycle would never end).
      else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(path).catch(() => null))?.isFile()))
        found.push(path);
    }
  }
  return found.sort();
}
