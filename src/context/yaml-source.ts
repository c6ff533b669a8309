import { LineCounter, isMap, isScalar, parseDocument, type Pair, type YAMLMap } from 'yaml';
import { ContextError } from './errors.ts';

/** A YAML document read for the context parser, with line lookup and error helpers. */
export interface YamlSource {
  readonly source: string;
  /** The document's root node (`null` for an empty document). */
  readonly root: unknown;
  /** 1-based line where `node` starts, or `fallback` when the node has no position. */
  lineOf(node: unknown, fallback?: number): number;
  /** Throws a `VX_BAD_CONTEXT` ContextError at the line of `node` (or at `line` when a number). */
  fail(detail: string, at: unknown): never;
}

/**
 * Parses YAML text, keeping node positions.
 *
 * @throws ContextError (`VX_BAD_CONTEXT`) on a YAML syntax error or a duplicate key, at its line.
 */
export function readYaml(text: string, source: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const summary = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ContextError(`invalid YAML: ${summary}`, source, Math.max(1, first.linePos?.[0].line ?? 1), {
      cause: first,
    });
  }
  const lineOf = (node: unknown, fallback = 1): number => {
    const range = (node as { range?: unknown } | null)?.range;
    if (!Array.isArray(range) || typeof range[0] !== 'number') return fallback;
    // LineCounter reports line 0 for offsets before the first recorded newline.
    return Math.max(1, lineCounter.linePos(range[0]).line);
  };
  return {
    source,
    root: doc.contents,
    lineOf,
    fail(detail, at) {
      throw new ContextError(detail, source, typeof at === 'number' ? at : lineOf(at));
    },
  };
}

/** The pairs of a YAML map with their keys as strings (YAML allows non-string keys; we stringify them). */
export function entries(map: YAMLMap): { key: string; pair: Pair }[] {
  return map.items.map((pair) => ({
    key: String(isScalar(pair.key) ? pair.key.value : pair.key),
    pair,
  }));
}

/** `node` if it is a YAML map, else throws at its line with "`what` must be a map". */
export function expectMap(yaml: YamlSource, node: unknown, what: string, at: unknown): YAMLMap {
  if (!isMap(node)) yaml.fail(`${what} must be a map`, node ?? at);
  return node as YAMLMap;
}

/** Throws on keys of `map` outside `allowed`, naming them. */
export function rejectUnknownKeys(
  yaml: YamlSource,
  map: YAMLMap,
  allowed: readonly string[],
  where: string,
): void {
  for (const { key, pair } of entries(map)) {
    if (!allowed.includes(key)) {
      yaml.fail(
        `unknown key '${key}' in ${where} (expected ${allowed.map((k) => `'${k}'`).join(', ')})`,
        pair.key,
      );
    }
  }
}
