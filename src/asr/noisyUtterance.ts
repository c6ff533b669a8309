/**
 * The second pass of a noisy utterance on denoised audio (`SenoneRecognizerOptions.noisyPass`,
 * ./senoneRecognizer.ts): where the first pass's best parse has words standing less than `gateDb` above the
 * sound around them (./speechLevel.ts `speechLevelDb`), the utterance's audio is denoised and decoded again from new features (Sphinx MFCC,
 * batch CMN) instead of the recorded ones. Noise suppression helps the CMU model in noise and hurts it on
 * clean speech (models/am-en-us/README.md, "Noise"); gated on the utterance's own level it does the first
 * without the second.
 */
export interface NoisyUtterancePass {
  /** Level (dB) below which an utterance counts as noisy. */
  gateDb: number;
  /** The denoiser of one utterance's audio. */
  denoiser(): UtteranceDenoiser;
  /**
   * Decode an utterance the gate sends to the denoised pass with batch CMN from its recorded features as well,
   * both passes at once, and answer with the one whose best complete parse has the higher confidence statistic
   * (ties: the denoised): the level gate also sends clean utterances that stand less than `gateDb` above a quiet
   * room, which RNNoise can only hurt. Absent: false, the denoised pass alone.
   */
  chooseSurer?: boolean;
}

/**
 * One utterance's audio denoised and through the front end. The denoiser learns the noise from the whole
 * utterance before it denoises it (src/audio/rnnoise.ts `UtteranceDenoise`); {@link learn} lets it do that
 * while the utterance is still coming in, so that its end waits for less.
 */
export interface UtteranceDenoiser {
  /** The utterance's next 16 kHz audio in [-1, 1], while it goes on. */
  learn(pcm: Float32Array): void;
  /**
   * The whole utterance's audio (of which {@link learn} had the first part, maybe none) denoised and through
   * the front end: its features ([frames, dim], batch CMN) and their cepstra before normalisation
   * ([frames, 13]).
   */
  features(pcm: Float32Array): Promise<{ feats: Float32Array; cepstra: Float32Array; frames: number }>;
  release(): void;
}

/** A denoised pass's input: the utterance's audio as it was when the pass started, and the denoiser to use. */
export interface NoisyTake {
  readonly denoiser: UtteranceDenoiser;
  readonly pcm: readonly Float32Array[];
}

/**
 * One session's side of the noisy-utterance pass: the utterance's audio kept for it, and the denoiser that may
 * be learning the noise ahead of the utterance's end.
 */
export class NoisyUtterance {
  /** The utterance's audio so far. */
  private pcm: Float32Array[] = [];
  /** The denoiser learning the noise while the utterance goes on; null: not started. */
  private learning: UtteranceDenoiser | null = null;

  constructor(readonly pass: NoisyUtterancePass) {}

  /** Whether the utterance has any audio kept. */
  get hasAudio(): boolean {
    return this.pcm.length > 0;
  }

  /** Whether a denoiser is learning the noise ahead of the end ({@link learnAhead}). */
  get learningAhead(): boolean {
    return this.learning !== null;
  }

  /** Keeps the utterance's next audio (not copied: the caller hands over an array of its own). */
  push(pcm: Float32Array): void {
    this.pcm.push(pcm);
    this.learning?.learn(pcm);
  }

  /**
   * Starts a denoiser learning the noise from the utterance so far, and from the audio after it, where
   * `levelDb` (the live pass's best words above the sound around them) is under the pass's gate: the pass will
   * probably be needed at the end, which then waits only for the denoiser's second time through the audio.
   * Where it is not needed after all the work is wasted, never wrong: the denoiser's output is the same either
   * way.
   */
  learnAhead(levelDb: number | null): void {
    if (this.learning || this.pcm.length === 0) return;
    if (levelDb === null || levelDb >= this.pass.gateDb) return;
    this.learning = this.pass.denoiser();
    for (const p of this.pcm) this.learning.learn(p);
  }

  /** Releases a denoiser learning ahead: the pass will not run. */
  stop(): void {
    this.learning?.release();
    this.learning = null;
  }

  /** Forgets the utterance: a new one starts. */
  reset(): void {
    this.stop();
    this.pcm = [];
  }

  /**
   * The audio so far and the denoiser that learnt the noise from it (or a new one), for a pass that starts
   * now; the caller owns the denoiser and releases it.
   */
  take(): NoisyTake {
    const denoiser = this.learning ?? this.pass.denoiser();
    this.learning = null;
    return { denoiser, pcm: [...this.pcm] };
  }
}
