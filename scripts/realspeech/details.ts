/**
 * The per-file evidence files of the tuning scripts (tune.ts, fusion_threshold.ts): JSON lines, one file each,
 * so that a choice can be made again (`--from-details`) without decoding anything.
 */
import { readFile, writeFile } from 'node:fs/promises';

/**
 * Each file's evidence: read from `fromDetails` where given, else decoded by `decode`; written to `details`
 * where given (JSON lines, either way).
 */
export async function detailsOrDecode<T>(
  fromDetails: string | undefined,
  decode: () => Promise<T[]>,
  details: string | undefined,
): Promise<T[]> {
  const points = fromDetails
    ? (await readFile(fromDetails, 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as T)
    : await decode();
  if (details) await writeFile(details, points.map((p) => `${JSON.stringify(p)}\n`).join(''));
  return points;
}
