import { describe, expect, it } from 'vitest';
import type { GraphHypothesis, RecognitionResult } from '../../src/asr/index.ts';
import { type ContextGraph, compileContext, parseContext } from '../../src/context/index.ts';
import { SessionClock } from '../../src/metrics/index.ts';
import type { StreamItem } from '../../src/pipeline/items.ts';
import { understand } from '../../src/pipeline/understand.ts';
import { kinds, runStage } from '../helpers/stage.ts';

const graph = compileContext(
  parseContext(
    `context:
  expressions:
    lights:
      - "turn $state:state the (kitchen) lights"
  slots:
    state: ["on", "off"]
`,
    'inline',
  ),
);
const replies = new Map([['lights', 'Lights {state}.']]);

/** The arcs of the path through `graph` that says `words` and ends at an intent (epsilon arcs as needed). */
function arcsOf(g: ContextGraph, words: readonly string[]): number[] {
  const walk = (node: number, i: number): number[] | null => {
    if (i === words.length && g.finals.has(node)) return [];
    for (const a of g.arcsFrom[node] ?? []) {
      const arc = g.arcs[a];
      if (!arc) continue;
      const next = arc.word === null ? i : arc.word === words[i] ? i + 1 : -1;
      if (next < 0) continue;
      const rest = walk(arc.to, next);
      if (rest) return [a, ...rest];
    }
    return null;
  };
  const arcs = walk(g.start, 0);
  if (!arcs) throw new Error(`"${words.join(' ')}" is not in the context`);
  return arcs;
}

/** A recognized utterance whose best parse says `text`, with the confidence statistic `ratio`. */
function recognized(text: string, ratio: number): StreamItem {
  const words = text.split(' ');
  const best: GraphHypothesis = {
    arcs: arcsOf(graph, words),
    words,
    wordFrames: [],
    score: -100,
    intent: 'lights',
    ratio,
  };
  const result: RecognitionResult = {
    hypotheses: [best],
    partial: best,
    unconstrainedScore: -100,
    frames: 50,
    hidden: new Float32Array(0),
    dim: 0,
    logProbs: new Float32Array(0),
    tokens: 0,
    asrMs: 12,
    asrMaxMs: 3,
    decodeMs: 4,
  };
  return { kind: 'recognized', utterance: 1, result, speechEndMs: 900, reason: 'endpoint' };
}

function clock(): SessionClock {
  const c = new SessionClock();
  c.arrived(2000, performance.now());
  return c;
}

describe('understand', () => {
  const options = { ratioMidpoint: 0.8, ratioScale: 2, acceptThreshold: 0.5 };
  const spec = { ...graph, spec: { ...graph.spec, replies } } as ContextGraph;

  it('answers a confident parse with its intent, slots and reply, and times the stages', async () => {
    const c = clock();
    const out = await runStage(understand(spec, c, null, options), [
      recognized('turn off the kitchen lights', 2),
    ]);
    expect(kinds(out)).toEqual(['intent', 'reply']);
    const intent = out[0]?.kind === 'event' ? out[0].message : null;
    expect(intent).toMatchObject({
      type: 'intent',
      understood: true,
      intent: 'lights',
      slots: { state: 'off' },
      transcript: 'turn off the kitchen lights',
    });
    expect((intent as { confidence: number }).confidence).toBeCloseTo(1 / (1 + Math.exp(-2 * (2 - 0.8))), 3);
    expect(out.at(-1)).toMatchObject({ kind: 'reply', utterance: 1, text: 'Lights off.', speechEndMs: 900 });
    expect(Object.keys(c.take(1)).sort()).toEqual(['asr', 'asrTotal', 'decode', 'intent']);
  });

  it('says "not understood" below the threshold, with the words heard, and an empty reply to close the utterance', async () => {
    const out = await runStage(understand(spec, clock(), null, options), [
      recognized('turn on the lights', 0.5),
    ]);
    expect(kinds(out)).toEqual(['intent']);
    const intent = out[0]?.kind === 'event' ? out[0].message : null;
    expect(intent).toMatchObject({
      understood: false,
      intent: null,
      slots: {},
      transcript: 'turn on the lights',
    });
    expect(out.at(-1)).toMatchObject({ kind: 'reply', utterance: 1, text: '' });
  });

  it('passes other items through', async () => {
    const start: StreamItem = { kind: 'utteranceStart', utterance: 3, atMs: 0 };
    expect(await runStage(understand(spec, clock(), null, options), [start])).toEqual([start]);
  });
});
