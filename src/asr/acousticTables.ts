import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { ModelLoadError } from '../inference/providers.ts';

/** The converted CMU en-us model (see models/am-en-us/README.md). */
export const defaultAcousticModelDir = fileURLToPath(new URL('../../models/am-en-us', import.meta.url));

/** The table format this code reads (scripts/import_cmu_am.py writes it). */
export const acousticTablesFormat = 'voxstream-am-v1';

/** Where a phone stands in its word, as the model's triphones are keyed: begin, end, internal, single. */
export type WordPosition = 'b' | 'e' | 'i' | 's';

/** pocketsphinx's order of word positions when it backs off to another one (internal, begin, end, single). */
const backoffPositions: readonly WordPosition[] = ['i', 'b', 'e', 's'];

/** The three senone ids of a phone HMM's emitting states. */
export type SenoneSequence = readonly [number, number, number];

/** The front end the model was trained with (feat.params plus Sphinx's defaults). Lengths in samples. */
export interface AcousticFrontEnd {
  /** Hz. */
  readonly sampleRate: number;
  /** Mel filter bank edges, Hz. */
  readonly lowerf: number;
  readonly upperf: number;
  readonly nfilt: number;
  readonly ncep: number;
  readonly lifter: number;
  readonly windowSamples: number;
  readonly shiftSamples: number;
  readonly nfft: number;
  readonly preemphasis: number;
  /** Added to each filter's energy before the log. */
  readonly logFloor: number;
  /** `1s_c_d_dd`: 13 cepstra, their deltas and double deltas. */
  readonly feat: string;
  /** The CMN the model was trained with (`batch`); live CMN starts from {@link cmninit}. */
  readonly cmn: string;
  readonly cmninit: readonly number[];
}

/** am.json.gz as written by the import script. */
interface RawTables {
  format: string;
  source: string;
  frontEnd: AcousticFrontEnd;
  phones: string[];
  fillers: string[];
  silence: string;
  nSenones: number;
  ciSenones: [number, number, number][];
  senoneBase: number[];
  tmats: [number, number][][];
  triphones: Record<string, number>;
  sseqs: [number, number, number][];
}

/**
 * The CMU model's decoding tables: phones, triphone → senone sequence, transition matrices. Constructed from
 * the parsed file; {@link loadAcousticTables} reads it.
 */
export class AcousticTables {
  /** Base phones in model order (fillers included); a phone's index is its codebook and tmat. */
  readonly phones: readonly string[];
  /** Filler phones (`SIL`, `+NSN+`, `+SPN+`). */
  readonly fillers: ReadonlySet<string>;
  /** The silence phone: the context at utterance edges and the back-off for filler contexts. */
  readonly silence: string;
  readonly nSenones: number;
  /** Each senone's base phone index. */
  readonly senoneBase: Int32Array;
  readonly frontEnd: AcousticFrontEnd;
  /** Where the model came from (Debian package and version). */
  readonly source: string;
  private readonly phoneIndex: Map<string, number>;
  private readonly ciSenones: readonly SenoneSequence[];
  private readonly tmats: readonly (readonly number[])[];
  private readonly triphones: Map<string, SenoneSequence>;

  constructor(raw: RawTables) {
    this.phones = raw.phones;
    this.fillers = new Set(raw.fillers);
    this.silence = raw.silence;
    this.nSenones = raw.nSenones;
    this.senoneBase = Int32Array.from(raw.senoneBase);
    this.frontEnd = raw.frontEnd;
    this.source = raw.source;
    this.phoneIndex = new Map(raw.phones.map((p, i) => [p, i]));
    this.ciSenones = raw.ciSenones;
    this.tmats = raw.tmats.map((states) => states.flat());
    this.triphones = new Map();
    for (const [key, index] of Object.entries(raw.triphones)) {
      const sseq = raw.sseqs[index];
      if (!sseq) throw new TypeError(`triphone ${key} points past the senone sequences (${index})`);
      this.triphones.set(key, sseq);
    }
  }

  /** How many triphones the model defines. */
  get triphoneCount(): number {
    return this.triphones.size;
  }

  /** The context-independent senones of a base phone; throws for a phone the model does not have. */
  ciSenonesOf(base: string): SenoneSequence {
    const sseq = this.ciSenones[this.indexOf(base)];
    if (!sseq) throw new TypeError(`no senones for phone ${base}`);
    return sseq;
  }

  /**
   * The senones of `base` between `left` and `right` at `position` in its word. A triphone the model lacks
   * falls back as pocketsphinx's bin_mdef_phone_id_nearest does: filler contexts count as silence; then the
   * same contexts at the other word positions (internal, begin, end, single); then with silence as the left
   * context of a word-initial or single phone and as the right context of a word-final or single phone, at
   * that position and then the others; last, the base phone's context-independent senones. Fillers have no
   * triphones and always get their own senones. Throws for a base phone the model does not have; an unknown
   * context gives the context-independent senones, as in pocketsphinx.
   */
  senonesOf(base: string, left: string, right: string, position: WordPosition): SenoneSequence {
    const ci = this.ciSenonesOf(base);
    if (!this.phoneIndex.has(left) || !this.phoneIndex.has(right)) return ci;
    const found = this.lookupAnyPosition(base, left, right, position);
    if (found) return found;
    const newLeft = this.fillers.has(left) || position === 'b' || position === 's' ? this.silence : left;
    const newRight = this.fillers.has(right) || position === 'e' || position === 's' ? this.silence : right;
    if (newLeft !== left || newRight !== right) {
      const backedOff = this.lookupAnyPosition(base, newLeft, newRight, position);
      if (backedOff) return backedOff;
    }
    return ci;
  }

  /** {@link senonesOf}, under the name the HMM graph compiler's `TriphoneInventory` uses. */
  senones(base: string, left: string, right: string, position: WordPosition): SenoneSequence {
    return this.senonesOf(base, left, right, position);
  }

  /**
   * Natural-log transition probabilities of a base phone's HMM as [stay0, next0, stay1, next1, stay2, exit]
   * (rows normalised, non-zero entries floored at 1e-4, as pocketsphinx's tmat.c); throws for an unknown phone.
   */
  transitions(base: string): readonly number[] {
    const tmat = this.tmats[this.indexOf(base)];
    if (!tmat) throw new TypeError(`no transition matrix for phone ${base}`);
    return tmat;
  }

  private indexOf(phone: string): number {
    const index = this.phoneIndex.get(phone);
    if (index === undefined) throw new TypeError(`the acoustic model has no phone ${phone}`);
    return index;
  }

  /** The exact triphone at `position`, else at the other positions in pocketsphinx's order. */
  private lookupAnyPosition(
    base: string,
    left: string,
    right: string,
    position: WordPosition,
  ): SenoneSequence | undefined {
    // bin_mdef_phone_id maps filler contexts to silence before it looks.
    const l = this.fillers.has(left) ? this.silence : left;
    const r = this.fillers.has(right) ? this.silence : right;
    const exact = this.triphones.get(`${base} ${l} ${r} ${position}`);
    if (exact) return exact;
    for (const other of backoffPositions) {
      if (other === position) continue;
      const found = this.triphones.get(`${base} ${l} ${r} ${other}`);
      if (found) return found;
    }
    return undefined;
  }
}

/** Reads `am.json.gz` from `dir` (default {@link defaultAcousticModelDir}); rejects with {@link ModelLoadError}. */
export async function loadAcousticTables(dir: string = defaultAcousticModelDir): Promise<AcousticTables> {
  const path = join(dir, 'am.json.gz');
  try {
    const raw = JSON.parse(gunzipSync(await readFile(path)).toString('utf8')) as RawTables;
    if (raw.format !== acousticTablesFormat) {
      throw new TypeError(`format is ${String(raw.format)}, expected ${acousticTablesFormat}`);
    }
    return new AcousticTables(raw);
  } catch (error) {
    throw new ModelLoadError(path, error);
  }
}
