import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DecodedAudio, decodeAudioFile } from '../audio/index.ts';

/** One row of a real-speech set's `manifest.jsonl` (as scripts/build_realsets.py writes it), with its audio. */
export interface Recording {
  /** The WAV's path. */
  readonly file: string;
  /** What was said. */
  readonly text: string;
  /** The intent it should be understood as; null: out of the context (right when not understood). */
  readonly intent: string | null;
  readonly slots: Readonly<Record<string, string>>;
  readonly speaker: string | null;
  /** Mono PCM in [-1, 1] at the file's rate. */
  readonly audio: DecodedAudio;
}

/**
 * Reads the first `limit` rows of `dir/manifest.jsonl` and decodes their WAVs (a set folder such as
 * `work/real/sc_report_clean`). The builder writes rows in a seeded random order, so the first rows are a
 * fair sample of the set.
 * @throws Error when the manifest is missing or a row has no `file`
 */
export async function loadRecordings(dir: string, limit = Infinity): Promise<Recording[]> {
  const lines = (await readFile(join(dir, 'manifest.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .slice(0, limit);
  return Promise.all(
    lines.map(async (line) => {
      const row = JSON.parse(line) as {
        file?: string;
        text?: string;
        intent?: string | null;
        slots?: Record<string, string>;
        speaker?: string | null;
      };
      if (typeof row.file !== 'string') throw new Error(`${dir}/manifest.jsonl: a row has no "file"`);
      const file = join(dir, row.file);
      return {
        file,
        text: row.text ?? '',
        intent: row.intent ?? null,
        slots: row.slots ?? {},
        speaker: row.speaker ?? null,
        audio: decodeAudioFile(new Uint8Array(await readFile(file)), file),
      };
    }),
  );
}

/**
 * How a reply counts against what was said: right when the expected intent and every slot came back
 * understood, or, for out-of-context speech (`expected` null), when it was not understood; wrong when
 * something else was understood; `notUnderstood` when in-context speech was rejected.
 */
export function judge(
  expected: { readonly intent: string | null; readonly slots: Readonly<Record<string, string>> },
  got: {
    readonly understood: boolean;
    readonly intent: string | null;
    readonly slots: Readonly<Record<string, string>>;
  },
): 'right' | 'wrong' | 'notUnderstood' {
  if (!got.understood) return expected.intent === null ? 'right' : 'notUnderstood';
  const a = got.slots;
  const b = expected.slots;
  const sameSlots =
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  return got.intent === expected.intent && sameSlots ? 'right' : 'wrong';
}
