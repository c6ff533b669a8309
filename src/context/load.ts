import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContextError } from './errors.ts';
import { parseContext } from './parse.ts';
import { readReplies } from './replies.ts';
import type { ContextSpec } from './types.ts';
import { expectMap, readYaml, rejectUnknownKeys } from './yaml-source.ts';

/** Options of {@link loadContext}. */
export interface LoadContextOptions {
  /** Project root that bare names resolve against. Default: this repository's root. */
  readonly projectRoot?: string;
  /** Folders a bare name is looked up in first, in order, before the shipped `models/contexts`. Default none. */
  readonly dirs?: readonly string[];
  /** Merge a `<name>.replies.yaml` sidecar (see {@link loadContext}). Default `true`. */
  readonly sidecar?: boolean;
  /** Aborts the file reads. */
  readonly signal?: AbortSignal;
}

/** Default {@link LoadContextOptions}. */
export const defaultLoadContextOptions: Required<Omit<LoadContextOptions, 'signal'>> = {
  projectRoot: fileURLToPath(new URL('../../', import.meta.url)),
  dirs: [],
  sidecar: true,
};

/** A context name, as `start` may give it: no dots or slashes, so never a path. */
export const contextNamePattern = /^[\w-]+$/;
const BARE_NAME = contextNamePattern;

/** The folder of the shipped contexts under `projectRoot`. */
export const shippedContextsDir = (projectRoot = defaultLoadContextOptions.projectRoot): string =>
  join(projectRoot, 'models', 'contexts');

/**
 * Loads and parses a context.
 *
 * A bare name such as `coffee_maker` resolves to `<dir>/<name>.yaml` in each of `dirs` (a server's
 * `--contexts DIR`), then to `<projectRoot>/models/contexts/<name>.yaml`; anything else is a file path (relative
 * to the working directory). A sidecar `<name>.replies.yaml` next to the resolved file (or, for a bare name, in
 * `<projectRoot>/models/contexts/`; the first found) has its top-level `replies:` map checked against the
 * context and merged over the context's own replies.
 *
 * @throws ContextError `VX_UNKNOWN_CONTEXT` when no file is found; `VX_BAD_CONTEXT` when the context or its
 *   sidecar is malformed (see {@link parseContext}).
 */
export async function loadContext(
  pathOrName: string,
  options: LoadContextOptions = {},
): Promise<ContextSpec> {
  const { projectRoot, dirs, sidecar } = { ...defaultLoadContextOptions, ...options };
  const signal = options.signal;
  const candidates = BARE_NAME.test(pathOrName)
    ? [...dirs, shippedContextsDir(projectRoot)].map((dir) => join(dir, `${pathOrName}.yaml`))
    : [resolve(pathOrName)];

  for (const file of candidates) {
    const text = await readIfExists(file, signal);
    if (text === undefined) continue;
    const spec = parseContext(text, file);
    if (!sidecar) return spec;
    const sidecarName = `${basename(file, extname(file))}.replies.yaml`;
    // A user's context can get shipped replies from models/contexts/ without copying them.
    const sidecars = [join(dirname(file), sidecarName)];
    if (BARE_NAME.test(pathOrName)) sidecars.push(join(shippedContextsDir(projectRoot), sidecarName));
    for (const repliesFile of new Set(sidecars)) {
      const repliesText = await readIfExists(repliesFile, signal);
      if (repliesText !== undefined) return mergeReplies(spec, repliesText, repliesFile);
    }
    return spec;
  }
  throw new ContextError(`context not found (looked in ${candidates.join(', ')})`, pathOrName, undefined, {
    code: 'VX_UNKNOWN_CONTEXT',
  });
}

/** Checks a sidecar's `replies:` map against `spec` and merges it over the spec's replies. */
function mergeReplies(spec: ContextSpec, text: string, source: string): ContextSpec {
  const yaml = readYaml(text, source);
  const root = expectMap(yaml, yaml.root, 'a replies file', 1);
  rejectUnknownKeys(yaml, root, ['replies'], 'a replies file');
  const node = root.get('replies', true);
  if (node === undefined) return spec;
  const replies = readReplies(yaml, node, root.items[0]?.key, spec.expressions);
  return { ...spec, replies: new Map([...spec.replies, ...replies]) };
}

async function readIfExists(file: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  try {
    return await readFile(file, signal === undefined ? { encoding: 'utf8' } : { encoding: 'utf8', signal });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
