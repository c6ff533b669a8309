import { type WordTrace, traceChain, tracedPath } from './wordTrace.ts';
import type { PhoneGraph } from './phoneGraph.ts';

/** Settings of {@link GraphDecoder}. */
export interface GraphDecoderOptions {
  /** Log-probability beam below the best state; states outside it are dropped. Default 14. */
  beam: number;
  /** Most states kept per frame (histogram pruning). Default 3000. */
  maxActive: number;
}

export const defaultGraphDecoderOptions: GraphDecoderOptions = { beam: 14, maxActive: 3000 };

/** The words entered along a path, newest first: one node per word, shared by the paths that continue it. */
type Trace = WordTrace;

/** Frames `[start, end)` of a decoded path and the score it gained over them. */
export interface SpeechSpan {
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

/** One path through the context: its arcs (epsilon and word arcs, in order) and its CTC log-score. */

export interface GraphHypothesis {
  readonly arcs: readonly number[];
  readonly words: readonly string[];
  /** Start of each word, in encoder steps. */
  readonly wordFrames: readonly number[];
  /** Sum of log-probabilities of the best CTC alignment of the path. */
  readonly score: number;
  /** The intent completed, for complete hypotheses. */
  readonly intent?: string;
  /** For complete hypotheses: whether the context allows more words after them ("…lights" → "…lights please"). */
  readonly extendable?: boolean;
  /**
   * Where the words of the path lie, without the silence around them (decoders that model silence): the
   * frames `[start, end)` and the path's score gained over them.
   */
  readonly speech?: SpeechSpan;
  /**
   * The per-frame likelihood ratio the recognizer measures confidence with, where it is not the default
   * (the path's score against the unconstrained reference, over all frames).
   */
  readonly ratio?: number;
}

const NONE = -Infinity;

/**
 * Viterbi beam search of CTC log-probabilities constrained to a context's {@link PhoneGraph}, frame by frame.
 * Each phone state has two scores: "in the phone" (last output was this phone) and "after it" (blank since).
 * One instance per utterance stream; `reset()` between utterances. Also keeps the score of the unconstrained
 * best path (every frame's most likely token), the reference for the grammar path's likelihood ratio.
 */
export class GraphDecoder {
  private readonly options: GraphDecoderOptions;
  private inPhone: Float64Array;
  private afterPhone: Float64Array;
  private nextIn: Float64Array;
  private nextAfter: Float64Array;
  private trIn: (Trace | null)[];
  private trAfter: (Trace | null)[];
  private nextTrIn: (Trace | null)[];
  private nextTrAfter: (Trace | null)[];
  private active: Int32Array;
  private activeCount = 0;
  private nextActive: Int32Array;
  private nextActiveCount = 0;
  private readonly mark: Int32Array;
  private generation = 1;
  /** Score of staying in the initial blank (nothing said yet). */
  private startScore = 0;
  private frameIndex = 0;
  private freeScore = 0;

  constructor(
    private readonly graph: PhoneGraph,
    options: Partial<GraphDecoderOptions> = {},
  ) {
    this.options = { ...defaultGraphDecoderOptions, ...options };
    const n = graph.stateCount;
    this.inPhone = new Float64Array(n).fill(NONE);
    this.afterPhone = new Float64Array(n).fill(NONE);
    this.nextIn = new Float64Array(n).fill(NONE);
    this.nextAfter = new Float64Array(n).fill(NONE);
    this.trIn = new Array<Trace | null>(n).fill(null);
    this.trAfter = new Array<Trace | null>(n).fill(null);
    this.nextTrIn = new Array<Trace | null>(n).fill(null);
    this.nextTrAfter = new Array<Trace | null>(n).fill(null);
    this.active = new Int32Array(n);
    this.nextActive = new Int32Array(n);
    this.mark = new Int32Array(n);
  }

  /** Encoder steps decoded since the last reset. */
  get frames(): number {
    return this.frameIndex;
  }

  /** Log-score of the best unconstrained path over the frames so far. */
  get unconstrainedScore(): number {
    return this.freeScore;
  }

  /** Forgets the utterance. */
  reset(): void {
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      this.inPhone[s] = NONE;
      this.afterPhone[s] = NONE;
      this.trIn[s] = null;
      this.trAfter[s] = null;
    }
    this.activeCount = 0;
    this.startScore = 0;
    this.frameIndex = 0;
    this.freeScore = 0;
  }

  /**
   * Consumes encoder steps.
   * @param logProbs row-major [frames, tokens] log-probabilities, token 0 the blank
   */
  advance(logProbs: Float32Array, frames: number, tokens: number): void {
    for (let t = 0; t < frames; t++) this.step(logProbs, t * tokens, tokens);
  }

  private step(lp: Float32Array, base: number, tokens: number): void {
    const g = this.graph;
    const blank = lp[base] as number;
    let frameMax = NONE;
    for (let k = 0; k < tokens; k++) frameMax = Math.max(frameMax, lp[base + k] as number);
    this.freeScore += frameMax;
    this.generation++;
    this.nextActiveCount = 0;
    const frame = this.frameIndex;

    // From the initial blank: stay, or enter the first words.
    if (this.startScore > NONE) {
      for (const entry of g.nodeEntries[g.context.start] ?? []) {
        const trace: Trace = {
          arc: g.stateArc[entry.state] as number,
          epsPath: entry.epsPath,
          frame,
          prev: null,
        };
        const lm = g.entryScore?.[entry.state] ?? 0;
        this.relaxIn(
          entry.state,
          this.startScore + lm + (lp[base + (g.statePhone[entry.state] as number)] as number),
          trace,
        );
      }
      this.startScore += blank;
    }
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      const phone = g.statePhone[s] as number;
      const inScore = this.inPhone[s] as number;
      const afterScore = this.afterPhone[s] as number;
      const trIn = this.trIn[s] ?? null;
      const trAfter = this.trAfter[s] ?? null;
      if (inScore > NONE) {
        this.relaxIn(s, inScore + (lp[base + phone] as number), trIn);
        this.relaxAfter(s, inScore + blank, trIn);
      }
      if (afterScore > NONE) this.relaxAfter(s, afterScore + blank, trAfter);
      // Leaving the phone for the next one: straight from the phone only if the next phone differs
      // (CTC merges repeats), always from the blank after it.
      const fromIn = inScore;
      const fromAfter = afterScore;
      if (g.stateLast[s] === 0) {
        const next = s + 1;
        const np = g.statePhone[next] as number;
        const emit = lp[base + np] as number;
        if (np !== phone && fromIn > NONE) this.relaxIn(next, fromIn + emit, trIn);
        if (fromAfter > NONE) this.relaxIn(next, fromAfter + emit, trAfter);
      } else {
        const node = g.context.arcs[g.stateArc[s] as number]?.to as number;
        for (const entry of g.nodeEntries[node] ?? []) {
          const ns = entry.state;
          const np = g.statePhone[ns] as number;
          const emit = lp[base + np] as number;
          const best =
            np !== phone && fromIn > NONE && (fromAfter === NONE || fromIn >= fromAfter) ? fromIn : fromAfter;
          if (best === NONE) continue;
          const prev = best === fromIn && np !== phone ? trIn : trAfter;
          const cand = best + emit + (g.entryScore?.[ns] ?? 0);
          if (cand > (this.nextIn[ns] as number)) {
            this.relaxIn(ns, cand, { arc: g.stateArc[ns] as number, epsPath: entry.epsPath, frame, prev });
          }
        }
      }
    }
    this.swap();
    this.prune();
    this.frameIndex++;
  }

  private touch(s: number): void {
    if (this.mark[s] !== this.generation) {
      this.mark[s] = this.generation;
      this.nextActive[this.nextActiveCount++] = s;
    }
  }

  private relaxIn(s: number, score: number, trace: Trace | null): void {
    if (score > (this.nextIn[s] as number)) {
      this.touch(s);
      this.nextIn[s] = score;
      this.nextTrIn[s] = trace;
    }
  }

  private relaxAfter(s: number, score: number, trace: Trace | null): void {
    if (score > (this.nextAfter[s] as number)) {
      this.touch(s);
      this.nextAfter[s] = score;
      this.nextTrAfter[s] = trace;
    }
  }

  private swap(): void {
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      this.inPhone[s] = NONE;
      this.afterPhone[s] = NONE;
      this.trIn[s] = null;
      this.trAfter[s] = null;
    }
    [this.inPhone, this.nextIn] = [this.nextIn, this.inPhone];
    [this.afterPhone, this.nextAfter] = [this.nextAfter, this.afterPhone];
    [this.trIn, this.nextTrIn] = [this.nextTrIn, this.trIn];
    [this.trAfter, this.nextTrAfter] = [this.nextTrAfter, this.trAfter];
    [this.active, this.nextActive] = [this.nextActive, this.active];
    this.activeCount = this.nextActiveCount;
  }

  private prune(): void {
    let best = this.startScore;
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      best = Math.max(best, this.inPhone[s] as number, this.afterPhone[s] as number);
    }
    let floor = best - this.options.beam;
    if (this.activeCount > this.options.maxActive) {
      const scores = new Float64Array(this.activeCount);
      for (let i = 0; i < this.activeCount; i++) {
        const s = this.active[i] as number;
        scores[i] = Math.max(this.inPhone[s] as number, this.afterPhone[s] as number);
      }
      scores.sort();
      floor = Math.max(floor, scores[this.activeCount - this.options.maxActive] as number);
    }
    if (this.startScore < floor) this.startScore = NONE;
    let kept = 0;
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      if (Math.max(this.inPhone[s] as number, this.afterPhone[s] as number) >= floor) {
        this.active[kept++] = s;
      } else {
        this.inPhone[s] = NONE;
        this.afterPhone[s] = NONE;
        this.trIn[s] = null;
        this.trAfter[s] = null;
      }
    }
    this.activeCount = kept;
  }

  /** Complete hypotheses (one per intent, best first), read at the current frame. */
  finals(): GraphHypothesis[] {
    const g = this.graph;
    const byIntent = new Map<
      string,
      { score: number; trace: Trace | null; epsPath: number; extendable: boolean }
    >();
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      if (g.stateLast[s] !== 1) continue;
      const node = g.context.arcs[g.stateArc[s] as number]?.to as number;
      const exit = g.nodeFinal[node];
      if (!exit) continue;
      const extendable = (g.nodeEntries[node]?.length ?? 0) > 0;
      const inS = this.inPhone[s] as number;
      const afterS = this.afterPhone[s] as number;
      const score = Math.max(inS, afterS);
      const trace = inS >= afterS ? this.trIn[s] : this.trAfter[s];
      const known = byIntent.get(exit.intent);
      if (!known || score > known.score)
        byIntent.set(exit.intent, { score, trace: trace ?? null, epsPath: exit.epsPath, extendable });
    }
    return [...byIntent.entries()]
      .map(([intent, h]) => ({
        ...this.hypothesis(h.trace, h.score, h.epsPath, intent),
        extendable: h.extendable,
      }))
      .sort((a, b) => b.score - a.score);
  }

  /** The best path so far, complete or not (for partial transcripts). */
  partial(): GraphHypothesis | null {
    let best = NONE;
    let trace: Trace | null = null;
    for (let i = 0; i < this.activeCount; i++) {
      const s = this.active[i] as number;
      const score = Math.max(this.inPhone[s] as number, this.afterPhone[s] as number);
      if (score > best) {
        best = score;
        trace =
          ((this.inPhone[s] as number) >= (this.afterPhone[s] as number) ? this.trIn[s] : this.trAfter[s]) ??
          null;
      }
    }
    if (this.startScore >= best) return { arcs: [], words: [], wordFrames: [], score: this.startScore };
    return best === NONE ? null : this.hypothesis(trace, best, -1);
  }

  private hypothesis(trace: Trace | null, score: number, finalEps: number, intent?: string): GraphHypothesis {
    const path = tracedPath(this.graph.context, this.graph.epsPaths, traceChain(trace), finalEps);
    return intent === undefined ? { ...path, score } : { ...path, score, intent };
  }
}
