/**
 * The real-speech sets that `scripts/build_realsets.py` writes: `<root>/README.json` names each set's context,
 * and `<root>/<set>_<condition>/manifest.jsonl` lists its files (see scripts/pocketsphinx/eval.ts for the
 * row format). Conditions are `clean` and `snr<N>` (N in dB).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ManifestRow, readManifest } from '../pocketsphinx/eval.ts';

/** The conditions scripts/build_realsets.py builds by default, in order. */
export const defaultConditions = ['clean', 'snr6', 'snr9', 'snr12', 'snr15', 'snr18', 'snr21', 'snr24'];

/** One set×condition folder, ready to score. */
export interface RealSet {
  /** The set's name, e.g. `sc_report`. */
  readonly set: string;
  /** `clean` or `snr<N>`. */
  readonly condition: string;
  /** The folder, absolute. */
  readonly folder: string;
  /** The context: a bare name (`digits`) or an absolute path to a YAML file. */
  readonly context: string;
  /** The manifest's rows, after any limit. */
  readonly rows: readonly ManifestRow[];
}

/** `6` or `snr6` → `snr6`; `clean` stays. */
export function conditionName(text: string): string {
  return /^\d+$/.test(text) ? `snr${text}` : text;
}

/** What README.json says about the sets: their contexts. */
async function readContexts(root: string): Promise<Map<string, string>> {
  const readme = JSON.parse(await readFile(join(root, 'README.json'), 'utf8')) as {
    sets?: Record<string, { context?: string }>;
  };
  const contexts = new Map<string, string>();
  for (const [set, info] of Object.entries(readme.sets ?? {})) {
    if (typeof info.context !== 'string') continue;
    // A bare name is a context name (models/contexts/); anything else is a path relative to the root.
    contexts.set(set, /^[\w-]+$/.test(info.context) ? info.context : resolve(root, info.context));
  }
  return contexts;
}

/**
 * The set×condition folders asked for that exist under `root`, in the order asked, each with its context
 * and its first `limit` manifest rows. A folder that is missing is reported to `onMissing` and skipped.
 *
 * @throws Error when README.json is missing or does not name the context of an asked set.
 */
export async function findSets(
  root: string,
  sets: readonly string[],
  conditions: readonly string[],
  limit = Infinity,
  onMissing: (folder: string) => void = () => {},
): Promise<RealSet[]> {
  const contexts = await readContexts(root);
  const found: RealSet[] = [];
  for (const set of sets) {
    const context = contexts.get(set);
    if (context === undefined)
      throw new Error(`${join(root, 'README.json')} names no context for set '${set}'`);
    for (const condition of conditions.map(conditionName)) {
      const folder = resolve(root, `${set}_${condition}`);
      const manifest = join(folder, 'manifest.jsonl');
      if (!existsSync(manifest)) {
        onMissing(folder);
        continue;
      }
      const rows = readManifest(await readFile(manifest, 'utf8'), manifest).slice(0, limit);
      found.push({ set, condition, folder, context, rows });
    }
  }
  return found;
}
