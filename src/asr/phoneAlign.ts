import type { GraphHypothesis } from './graphDecoder.ts';
import type { HmmGraph } from './hmmGraph.ts';
import type { SenoneFrames } from './senoneFrames.ts';

/** One phone of a parse as aligned to the frames: the HMM, its frames `[start, end)` and its score over them. */
export interface PhoneSegment {
  readonly hmm: number;
  readonly start: number;
  readonly end: number;
  /** Senone and transition log-scores gained over its frames. */
  readonly score: number;
}

/** Frames of several runs of senone scores read as one, in order. */
export function joinSenoneFrames(parts: readonly SenoneFrames[]): SenoneFrames {
  const offsets: number[] = [];
  let frames = 0;
  for (const p of parts) {
    offsets.push(frames);
    frames += p.frames;
  }
  return {
    frames,
    score(t: number, s: number): number {
      let lo = 0;
      let hi = parts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((offsets[mid] as number) <= t) lo = mid;
        else hi = mid - 1;
      }
      return (parts[lo] as SenoneFrames).score(t - (offsets[lo] as number), s);
    },
  };
}

interface Trace {
  readonly hmm: number;
  readonly start: number;
  /** The path's score on entering the HMM. */
  readonly score: number;
  readonly prev: Trace | null;
}

const NONE = -Infinity;

/** Per graph, the HMMs of each word arc, in order (built when first needed). */
const hmmsOfArc = new WeakMap<HmmGraph, Map<number, number[]>>();

function arcHmms(graph: HmmGraph, arc: number): readonly number[] {
  let index = hmmsOfArc.get(graph);
  if (!index) {
    index = new Map();
    for (let h = 0; h < graph.hmmCount; h++) {
      const a = graph.hmmArc[h] as number;
      if (a < 0) continue;
      let list = index.get(a);
      if (!list) index.set(a, (list = []));
      list.push(h);
    }
    hmmsOfArc.set(graph, index);
  }
  return index.get(arc) ?? [];
}

/**
 * The phones of a decoded parse, aligned again word by word: each word's frames (from its start to the next
 * word's, or to the end of the parse's words) go through a Viterbi search of only that word's HMMs in the
 * graph (every pronunciation and context instance of its arc), followed by an optional pause, so that a pause
 * before the next word is not counted as the word's last phone. The search reads the same senone scores as
 * the grammar search did. Null where the parse has no words or a word cannot be aligned (no frames).
 */
export function alignPhones(
  graph: HmmGraph,
  scores: SenoneFrames,
  h: GraphHypothesis,
): PhoneSegment[] | null {
  const span = h.speech;
  if (!span || h.words.length === 0) return null;
  const wordArcs = h.arcs.filter((a) => graph.context.arcs[a]?.word != null);
  if (wordArcs.length !== h.wordFrames.length) return null;
  let pause = -1;
  for (let i = 0; i < graph.hmmCount && pause < 0; i++) if ((graph.hmmArc[i] as number) < 0) pause = i;
  const out: PhoneSegment[] = [];
  for (let w = 0; w < wordArcs.length; w++) {
    const start = h.wordFrames[w] as number;
    const end = Math.min(w + 1 < wordArcs.length ? (h.wordFrames[w + 1] as number) : span.end, scores.frames);
    if (end <= start) return null;
    const word = alignWord(graph, scores, wordArcs[w] as number, start, end, pause);
    if (!word) return null;
    out.push(...word);
  }
  return out;
}

function alignWord(
  graph: HmmGraph,
  scores: SenoneFrames,
  arc: number,
  start: number,
  end: number,
  pause: number,
): PhoneSegment[] | null {
  const hmms = arcHmms(graph, arc);
  if (hmms.length === 0) return null;
  const local = new Map(hmms.map((hmm, i) => [hmm, i]));
  const n = hmms.length + (pause >= 0 ? 1 : 0);
  const pauseAt = pause >= 0 ? hmms.length : -1;
  const ids = pause >= 0 ? [...hmms, pause] : hmms;
  // Successors within the word, and which HMMs are its first and last phones.
  const succ: number[][] = hmms.map(() => []);
  const isHead = hmms.map(() => true);
  const isTail = hmms.map((hmm) => (graph.hmmNode[hmm] as number) >= 0);
  for (const [i, hmm] of hmms.entries()) {
    for (let k = graph.succStart[hmm] as number; k < (graph.succStart[hmm + 1] as number); k++) {
      const to = local.get(graph.succ[k] as number);
      if (to === undefined || (graph.succEps[k] as number) >= 0) continue;
      succ[i]?.push(to);
      isHead[to] = false;
    }
  }
  const score = new Float64Array(3 * n).fill(NONE);
  const trace: (Trace | null)[] = new Array<Trace | null>(3 * n).fill(null);
  const enter = new Float64Array(n).fill(NONE);
  const enterTrace: (Trace | null)[] = new Array<Trace | null>(n).fill(null);
  for (let i = 0; i < hmms.length; i++) if (isHead[i]) enter[i] = 0;
  const tr = graph.transitions;
  let tailEnd = NONE;
  let tailTrace: Trace | null = null;
  for (let t = start; t < end; t++) {
    for (let i = 0; i < n; i++) {
      const hmm = ids[i] as number;
      const b = 3 * i;
      const tb = 6 * hmm;
      const s0 = score[b] as number;
      const s1 = score[b + 1] as number;
      const s2 = score[b + 2] as number;
      const sen = (k: number) => scores.score(t, graph.senones[3 * hmm + k] as number);
      const stay2 = s2 + (tr[tb + 4] as number);
      const from1 = s1 + (tr[tb + 3] as number);
      if (stay2 >= from1) score[b + 2] = stay2 + sen(2);
      else {
        score[b + 2] = from1 + sen(2);
        trace[b + 2] = trace[b + 1] ?? null;
      }
      const stay1 = s1 + (tr[tb + 2] as number);
      const from0 = s0 + (tr[tb + 1] as number);
      if (stay1 >= from0) score[b + 1] = stay1 + sen(1);
      else {
        score[b + 1] = from0 + sen(1);
        trace[b + 1] = trace[b] ?? null;
      }
      const stay0 = s0 + (tr[tb] as number);
      const entry = enter[i] as number;
      if (stay0 >= entry) score[b] = stay0 + sen(0);
      else {
        score[b] = entry + sen(0);
        trace[b] = { hmm: i, start: t, score: entry, prev: enterTrace[i] ?? null };
      }
    }
    enter.fill(NONE);
    enterTrace.fill(null);
    // Leaving an HMM enters its successors at the next frame; a word's last phone may go on into the pause.
    tailEnd = NONE;
    for (let i = 0; i < hmms.length; i++) {
      const hmm = ids[i] as number;
      const out = (score[3 * i + 2] as number) + (tr[6 * hmm + 5] as number);
      if (out === NONE) continue;
      const from = trace[3 * i + 2] ?? null;
      for (const to of succ[i] as number[]) {
        if (out > (enter[to] as number)) {
          enter[to] = out;
          enterTrace[to] = from;
        }
      }
      if (isTail[i] && out > tailEnd) {
        tailEnd = out;
        tailTrace = from;
      }
    }
    if (pauseAt >= 0 && tailEnd > NONE) {
      enter[pauseAt] = tailEnd;
      enterTrace[pauseAt] = tailTrace;
    }
  }
  // The word ends at the last frame in its last phone, or earlier followed by the pause.
  let best = NONE;
  let last: Trace | null = null;
  for (let i = 0; i < n; i++) {
    if (i < hmms.length && !isTail[i]) continue;
    const b = 3 * i;
    const s =
      i === pauseAt ? Math.max(...[0, 1, 2].map((k) => score[b + k] as number)) : (score[b + 2] as number);
    if (s > best) {
      best = s;
      const k =
        i === pauseAt
          ? [0, 1, 2].reduce((a, k) => ((score[b + k] as number) > (score[b + a] as number) ? k : a), 0)
          : 2;
      last = trace[b + k] ?? null;
    }
  }
  if (best === NONE || !last) return null;
  const chain: Trace[] = [];
  for (let x: Trace | null = last; x; x = x.prev) chain.push(x);
  chain.reverse();
  const segments: PhoneSegment[] = [];
  for (let j = 0; j < chain.length; j++) {
    const c = chain[j] as Trace;
    const next = chain[j + 1];
    if (c.hmm === pauseAt) continue;
    segments.push({
      hmm: ids[c.hmm] as number,
      start: c.start,
      end: next ? next.start : end,
      score: (next ? next.score : best) - c.score,
    });
  }
  return segments;
}
