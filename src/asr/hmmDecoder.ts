import { type WordTrace, traceChain, tracedPath } from './wordTrace.ts';
import type { GraphHypothesis } from './graphDecoder.ts';
import type { HmmGraph } from './hmmGraph.ts';
import type { SenoneFrames } from './senoneFrames.ts';

/** Settings of {@link HmmDecoder}. */
export interface HmmDecoderOptions {
  /**
   * Log-score beam below the frame's best state; HMMs outside it are dropped. Default 150 (with
   * {@link exitBeam} 120). On 80 speechocean762 sentences of the tuning speakers (`so_tunehold`) against
   * their 2,011-sentence grammar, beam / exit beam 100 / 80 accepted 34 of 63 right, 110 / 110 (pocketsphinx's
   * `-beam` and `-pbeam`, 1e-48 ≈ 110 nats) 37, 150 / 120 39 and 200 / 160 39 at twice the cost; none of them
   * accepted any of the 17 left-out sentences. (Earlier, on 30 test sentences: 60 / 40 found 8, 80 / 60 13,
   * 100 / 80 15.)
   */
  beam: number;
  /** Narrower beam for leaving an HMM (entering the next phone or word). Default 120. */
  exitBeam: number;
  /** Most HMMs kept per frame (histogram pruning). Default 10000 (20000 made no difference at 150 / 120). */
  maxActive: number;
}

export const defaultHmmDecoderOptions: HmmDecoderOptions = { beam: 150, exitBeam: 120, maxActive: 10000 };

/**
 * The words entered along a path, newest first: one node per word (and per pause after a word, `arc` -1),
 * shared by the paths that continue it.
 */
interface Trace extends WordTrace {
  /** The path's score on entering it. */
  readonly score: number;
  readonly prev: Trace | null;
}

const NONE = -Infinity;

/**
 * Viterbi beam search of senone scores through an {@link HmmGraph}, frame by frame (token passing over
 * three-state left-to-right HMMs). Senone scores are natural-log likelihoods; only the senones of active
 * HMMs are read.
 * One instance per utterance stream; `reset()` between utterances.
 */
export class HmmDecoder {
  private readonly options: HmmDecoderOptions;
  /** Three state scores per HMM. */
  private readonly score: Float64Array;
  private readonly trace: (Trace | null)[];
  /** Best score of entering each HMM at the next frame, and the path that did. */
  private readonly enter: Float64Array;
  private readonly enterTrace: (Trace | null)[];
  private active: Int32Array;
  private activeCount = 0;
  private entered: Int32Array;
  private enteredCount = 0;
  private readonly mark: Int32Array;
  /** Best state score of each HMM of the frame being stepped, in the order of {@link active}. */
  private readonly maxima: Float64Array;
  /** Scratch for the histogram pruning's selection. */
  private readonly selection: Float64Array;
  private generation = 1;
  private frameIndex = 0;

  constructor(
    private readonly graph: HmmGraph,
    options: Partial<HmmDecoderOptions> = {},
  ) {
    this.options = { ...defaultHmmDecoderOptions, ...options };
    const n = graph.hmmCount;
    this.score = new Float64Array(3 * n).fill(NONE);
    this.trace = new Array<Trace | null>(3 * n).fill(null);
    this.enter = new Float64Array(n).fill(NONE);
    this.enterTrace = new Array<Trace | null>(n).fill(null);
    this.active = new Int32Array(n);
    this.entered = new Int32Array(n);
    this.mark = new Int32Array(n);
    this.maxima = new Float64Array(n);
    this.selection = new Float64Array(n);
    this.reset();
  }

  /** Frames decoded since the last reset. */
  get frames(): number {
    return this.frameIndex;
  }

  /** Forgets the utterance and gets ready to enter the graph at the next frame. */
  reset(): void {
    for (let i = 0; i < this.activeCount; i++) this.clear(this.active[i] as number);
    for (let i = 0; i < this.enteredCount; i++) {
      const h = this.entered[i] as number;
      this.enter[h] = NONE;
      this.enterTrace[h] = null;
    }
    this.activeCount = 0;
    this.enteredCount = 0;
    this.frameIndex = 0;
    const g = this.graph;
    for (const entry of g.startEntries) {
      const word = entry.epsPath >= 0;
      const score = word ? g.wordPenalty : 0;
      const trace = word
        ? { arc: g.hmmArc[entry.state] as number, epsPath: entry.epsPath, frame: 0, score, prev: null }
        : null;
      this.enterInto(entry.state, score, trace);
    }
  }

  /** Consumes frames of senone scores. */
  advance(scores: SenoneFrames): void {
    for (let t = 0; t < scores.frames; t++) this.step(scores, t);
  }

  private clear(h: number): void {
    const b = 3 * h;
    this.score[b] = this.score[b + 1] = this.score[b + 2] = NONE;
    this.trace[b] = this.trace[b + 1] = this.trace[b + 2] = null;
  }

  private enterInto(h: number, score: number, trace: Trace | null): void {
    if (score <= (this.enter[h] as number)) return;
    if (this.enter[h] === NONE) this.entered[this.enteredCount++] = h;
    this.enter[h] = score;
    this.enterTrace[h] = trace;
  }

  private step(sen: SenoneFrames, t: number): void {
    const g = this.graph;
    const { score, trace, enter, enterTrace, mark, maxima } = this;
    const tr = g.transitions;
    const senones = g.senones;
    const generation = ++this.generation;
    // Every HMM active or entered this frame, once.
    const next = this.active;
    for (let i = 0; i < this.activeCount; i++) mark[next[i] as number] = generation;
    let count = this.activeCount;
    for (let i = 0; i < this.enteredCount; i++) {
      const h = this.entered[i] as number;
      if (mark[h] !== generation) {
        mark[h] = generation;
        next[count++] = h;
      }
    }
    let best = NONE;
    for (let i = 0; i < count; i++) {
      const h = next[i] as number;
      const b = 3 * h;
      const tb = 6 * h;
      const s0 = score[b] as number;
      const s1 = score[b + 1] as number;
      const s2 = score[b + 2] as number;
      // State 2: stay, or come from state 1.
      const stay2 = s2 + (tr[tb + 4] as number);
      const from1 = s1 + (tr[tb + 3] as number);
      let n2: number;
      if (stay2 >= from1) n2 = stay2 + sen.score(t, senones[b + 2] as number);
      else {
        n2 = from1 + sen.score(t, senones[b + 2] as number);
        trace[b + 2] = trace[b + 1] ?? null;
      }
      const stay1 = s1 + (tr[tb + 2] as number);
      const from0 = s0 + (tr[tb + 1] as number);
      let n1: number;
      if (stay1 >= from0) n1 = stay1 + sen.score(t, senones[b + 1] as number);
      else {
        n1 = from0 + sen.score(t, senones[b + 1] as number);
        trace[b + 1] = trace[b] ?? null;
      }
      const stay0 = s0 + (tr[tb] as number);
      const entry = enter[h] as number;
      let n0: number;
      if (stay0 >= entry) n0 = stay0 + sen.score(t, senones[b] as number);
      else {
        n0 = entry + sen.score(t, senones[b] as number);
        trace[b] = enterTrace[h] ?? null;
      }
      score[b] = n0;
      score[b + 1] = n1;
      score[b + 2] = n2;
      enter[h] = NONE;
      enterTrace[h] = null;
      const m = Math.max(n0, n1, n2);
      maxima[i] = m;
      if (m > best) best = m;
    }
    this.enteredCount = 0;

    // Beam and histogram pruning.
    let floor = best - this.options.beam;
    if (count > this.options.maxActive) {
      const kth = this.selection;
      kth.set(maxima.subarray(0, count));
      floor = Math.max(floor, largest(kth, count, this.options.maxActive));
    }
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const h = next[i] as number;
      if ((maxima[i] as number) >= floor) next[kept++] = h;
      else this.clear(h);
    }
    this.activeCount = kept;

    // Leave HMMs into their successors, entered at the next frame.
    const exitFloor = best - this.options.exitBeam;
    const frame = this.frameIndex + 1;
    const { succStart, succ, succPenalty, succEps, hmmArc } = g;
    for (let i = 0; i < kept; i++) {
      const h = next[i] as number;
      const out = (score[3 * h + 2] as number) + (tr[6 * h + 5] as number);
      if (out < exitFloor) continue;
      const from = trace[3 * h + 2] ?? null;
      const inWord = (hmmArc[h] as number) >= 0;
      const end = succStart[h + 1] as number;
      for (let k = succStart[h] as number; k < end; k++) {
        const to = succ[k] as number;
        const cand = out + (succPenalty[k] as number);
        if (cand <= (enter[to] as number)) continue;
        const eps = succEps[k] as number;
        const arc = hmmArc[to] as number;
        let next = from;
        if (eps >= 0) next = { arc, epsPath: eps, frame, score: cand, prev: from };
        else if (arc < 0 && inWord) next = { arc: -1, epsPath: -1, frame, score: out, prev: from };
        this.enterInto(to, cand, next);
      }
    }
    this.frameIndex++;
  }

  /** Complete hypotheses (one per intent, best first), read at the current frame. */
  finals(): GraphHypothesis[] {
    const g = this.graph;
    const byIntent = new Map<
      string,
      { score: number; trace: Trace | null; epsPath: number; extendable: boolean }
    >();
    for (let i = 0; i < this.activeCount; i++) {
      const h = this.active[i] as number;
      if (g.hmmCanEnd[h] !== 1) continue;
      const node = g.hmmNode[h] as number;
      const exit = g.nodeFinal[node];
      if (!exit) continue;
      // Scored as partial() scores paths (state scores, no exit transition), so that the early endpoint can
      // tell when the best path of all is a complete one. A word's last phone counts from its last state; the
      // silence after the last word from any state, since the words are complete there (counting only its
      // last state kept the best path "incomplete" while it sat in the silence's first states, and real
      // commands waited for the segmenter's end instead of the early endpoint).
      let k = 2;
      if ((g.hmmArc[h] as number) < 0)
        for (let j = 0; j < 2; j++)
          if ((this.score[3 * h + j] as number) > (this.score[3 * h + k] as number)) k = j;
      const score = this.score[3 * h + k] as number;
      if (score === NONE) continue;
      const known = byIntent.get(exit.intent);
      if (!known || score > known.score)
        byIntent.set(exit.intent, {
          score,
          trace: this.trace[3 * h + k] ?? null,
          epsPath: exit.epsPath,
          extendable: g.nodeExtendable[node] === 1,
        });
    }
    return [...byIntent.entries()]
      .filter(([, h]) => h.trace !== null)
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
      const b = 3 * (this.active[i] as number);
      for (let k = 0; k < 3; k++) {
        if ((this.score[b + k] as number) > best) {
          best = this.score[b + k] as number;
          trace = this.trace[b + k] ?? null;
        }
      }
    }
    return best === NONE ? null : this.hypothesis(trace, best, -1);
  }

  private hypothesis(trace: Trace | null, score: number, finalEps: number, intent?: string): GraphHypothesis {
    const chain = traceChain(trace);
    const { arcs, words, wordFrames } = tracedPath(this.graph.context, this.graph.epsPaths, chain, finalEps);
    // The words' span: from the first word's entry to the pause after the last word (or now).
    const first = chain.find((t) => t.arc >= 0);
    const last = chain[chain.length - 1];
    const speech = first
      ? last && last.arc < 0
        ? { start: first.frame, end: last.frame, score: last.score - first.score }
        : { start: first.frame, end: this.frameIndex, score: score - first.score }
      : undefined;
    const h: GraphHypothesis = {
      arcs,
      words,
      wordFrames,
      score,
      ...(speech ? { speech } : {}),
    };
    return intent === undefined ? h : { ...h, intent };
  }
}

/**
 * The `k`-th largest of the first `n` values of `a` (1 ≤ k ≤ n), found in place (Hoare's selection, the order
 * of `a` lost): the same value a full sort would give, in linear time on average.
 */
export function largest(a: Float64Array, n: number, k: number): number {
  // The k-th largest is the (n - k)-th smallest, 0-based.
  const target = n - k;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const x = a[i] as number;
        a[i] = a[j] as number;
        a[j] = x;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target] as number;
  }
  return a[target] as number;
}
