import type { SenoneFrames } from './senoneFrames.ts';

/** One context-independent phone HMM of the background model. */
export interface LoopPhone {
  /** Its three senone ids. */
  readonly senones: readonly number[];
  /** Natural-log transitions: stay0, next0, stay1, next1, stay2, exit. */
  readonly transitions: readonly number[];
}

/** Settings of {@link PhoneLoop}. */
export interface PhoneLoopOptions {
  /**
   * Added on entering each phone (phone insertion penalty). Default -15: on the tuning speakers
   * (scripts/realspeech/tune.ts, `sc_tunehold` and `so_tunehold`, clean and 6–24 dB; docs/real-speech/phone-loop/)
   * -2 let the loop follow noise and unclear speech phone by phone better than any parse could, so right and
   * out-of-context parses scored alike against it; -15 accepted 5.2 points more commands right at the same
   * false acceptance (-10: 3.9).
   */
  phonePenalty: number;
}

export const defaultPhoneLoopOptions: PhoneLoopOptions = { phonePenalty: -15 };

const NONE = -Infinity;

/**
 * The background model rejection measures a parse against: a free loop of context-independent phone HMMs
 * (any phone may follow any phone), decoded by Viterbi on the same senone scores as the grammar. Its score is
 * the likelihood of the best phone sequence whatever the words; a command path much less likely than it is
 * not what was said. About 40 HMMs, so it costs little beside the grammar search.
 */
export class PhoneLoop {
  private readonly options: PhoneLoopOptions;
  private readonly senones: Int32Array;
  private readonly transitions: Float32Array;
  private readonly state: Float64Array;
  private entry = 0;
  private frameIndex = 0;
  /** The best score at the end of each frame so far (index = frame + 1; index 0 is 0). */
  private history = new Float64Array(512);

  constructor(phones: readonly LoopPhone[], options: Partial<PhoneLoopOptions> = {}) {
    this.options = { ...defaultPhoneLoopOptions, ...options };
    this.senones = Int32Array.from(phones.flatMap((p) => p.senones.slice(0, 3)));
    this.transitions = Float32Array.from(phones.flatMap((p) => p.transitions.slice(0, 6)));
    this.state = new Float64Array(3 * phones.length);
    this.reset();
  }

  /** Forgets the utterance. */
  reset(): void {
    this.state.fill(NONE);
    this.entry = this.options.phonePenalty;
    this.frameIndex = 0;
    this.history[0] = 0;
  }

  /** Best score of any phone sequence over the first `frames` frames (0 for none). */
  scoreAt(frames: number): number {
    return this.history[Math.max(0, Math.min(frames, this.frameIndex))] as number;
  }

  /** Frames consumed since the last reset. */
  get frames(): number {
    return this.frameIndex;
  }

  /** Log-score of the best phone sequence over the frames so far. */
  get score(): number {
    let best = NONE;
    for (let i = 0; i < this.state.length; i++) best = Math.max(best, this.state[i] as number);
    return best === NONE ? 0 : best;
  }

  /** Consumes frames of senone scores. */
  advance(scores: SenoneFrames): void {
    const { state: s, transitions: tr, senones: sen } = this;
    const n = s.length / 3;
    for (let t = 0; t < scores.frames; t++) {
      let exit = NONE;
      let best = NONE;
      for (let h = 0; h < n; h++) {
        const b = 3 * h;
        const tb = 6 * h;
        const s0 = s[b] as number;
        const s1 = s[b + 1] as number;
        const s2 = s[b + 2] as number;
        s[b + 2] =
          Math.max(s2 + (tr[tb + 4] as number), s1 + (tr[tb + 3] as number)) +
          scores.score(t, sen[b + 2] as number);
        s[b + 1] =
          Math.max(s1 + (tr[tb + 2] as number), s0 + (tr[tb + 1] as number)) +
          scores.score(t, sen[b + 1] as number);
        s[b] = Math.max(s0 + (tr[tb] as number), this.entry) + scores.score(t, sen[b] as number);
        exit = Math.max(exit, (s[b + 2] as number) + (tr[tb + 5] as number));
        best = Math.max(best, s[b] as number, s[b + 1] as number, s[b + 2] as number);
      }
      this.entry = exit + this.options.phonePenalty;
      this.frameIndex++;
      if (this.frameIndex >= this.history.length) {
        const grown = new Float64Array(this.history.length * 2);
        grown.set(this.history);
        this.history = grown;
      }
      this.history[this.frameIndex] = best === NONE ? 0 : best;
    }
  }
}
