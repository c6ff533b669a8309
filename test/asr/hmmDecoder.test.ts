import { describe, expect, it } from 'vitest';
import { HmmDecoder, largest } from '../../src/asr/hmmDecoder.ts';
import { type TriphoneInventory, type WordPosition, compileHmmGraph } from '../../src/asr/hmmGraph.ts';
import { Lexicon } from '../../src/asr/lexicon.ts';
import { PhoneLoop } from '../../src/asr/phoneLoop.ts';
import { denseSenoneFrames } from '../../src/asr/senoneFrames.ts';
import { compileContext, parseContext, pathToResult } from '../../src/context/index.ts';

const lexicon = Lexicon.fromText(
  [
    'turn T ER N',
    'on AA N',
    'off AO F',
    'the DH AH',
    'the DH IY',
    'lights L AY T S',
    'kitchen K IH CH AH N',
    'bedroom B EH D R UW M',
    'in IH N',
    'please P L IY Z',
    'a AH',
  ].join('\n'),
);

const yaml = `
context:
  expressions:
    lightsOn:
      - "turn on the lights (in the $room:room) (please)"
    lightsOff:
      - "turn off the lights (in the $room:room)"
    say:
      - "a kitchen"
  slots:
    room: [kitchen, bedroom]
`;

const senoneCount = 4000;

/**
 * A made-up triphone model in which every (phone, left, right, position) has senones of its own, so a path
 * scores well only through the instances whose cross-word contexts are right.
 */
function fakeInventory(): TriphoneInventory & { lookup: Map<string, number[]> } {
  const lookup = new Map<string, number[]>();
  return {
    silence: 'SIL',
    lookup,
    senones(base: string, left: string, right: string, position: WordPosition) {
      const key = base === 'SIL' ? 'SIL' : `${base} ${left} ${right} ${position}`;
      let ids = lookup.get(key);
      if (!ids) {
        const first = lookup.size * 3;
        ids = [first, first + 1, first + 2];
        lookup.set(key, ids);
      }
      return ids;
    },
    transitions: () => [
      Math.log(0.6),
      Math.log(0.4),
      Math.log(0.6),
      Math.log(0.4),
      Math.log(0.6),
      Math.log(0.4),
    ],
  };
}

/** Senone scores that follow the words' triphones (cross-word contexts included), silence at both ends. */
function speak(model: ReturnType<typeof fakeInventory>, words: string[], hold = 2): Float32Array {
  const phones = words.map((w) => lexicon.pronounce(w)?.[0] ?? []);
  const states: number[] = [];
  const sil = model.senones('SIL', 'SIL', 'SIL', 's');
  const push = (ids: readonly number[]) => {
    for (const id of ids) for (let i = 0; i < hold; i++) states.push(id);
  };
  push(sil);
  phones.forEach((pron, w) => {
    const before = phones[w - 1];
    const after = phones[w + 1];
    pron.forEach((p, i) => {
      const left = i > 0 ? (pron[i - 1] as string) : (before?.[before.length - 1] ?? 'SIL');
      const right = i < pron.length - 1 ? (pron[i + 1] as string) : (after?.[0] ?? 'SIL');
      const pos: WordPosition = pron.length === 1 ? 's' : i === 0 ? 'b' : i === pron.length - 1 ? 'e' : 'i';
      push(model.senones(p, left, pos === 's' ? 'SIL' : right, pos));
    });
  });
  push(sil);
  const out = new Float32Array(states.length * senoneCount).fill(-8);
  states.forEach((id, t) => {
    out[t * senoneCount + id] = 0;
  });
  return out;
}

describe('HmmDecoder over a triphone HMM graph', () => {
  const graph = compileContext(parseContext(yaml, 'inline'));

  it('finds the command spoken, through the right cross-word triphones, with its intent and slot', () => {
    const model = fakeInventory();
    const hmm = compileHmmGraph(graph, lexicon, model);
    const decoder = new HmmDecoder(hmm);
    const scores = speak(model, 'turn off the lights in the bedroom'.split(' '));
    decoder.advance(denseSenoneFrames(scores, scores.length / senoneCount, senoneCount));
    const [best] = decoder.finals();
    expect(best?.intent).toBe('lightsOff');
    expect(best?.words.join(' ')).toBe('turn off the lights in the bedroom');
    expect(pathToResult(graph, best?.arcs ?? [])).toMatchObject({
      intent: 'lightsOff',
      slots: { room: 'bedroom' },
    });
    // Every frame on its best senone, so the path pays only transitions (23 HMMs: 21 phones and 2 silences,
    // 3 states each, ln 0.6 + ln 0.4, less the last state's exit, which a path still in it has not taken) and
    // the word penalty (7 × -2.8): about -117.
    expect(best?.score).toBeCloseTo(23 * 3 * (Math.log(0.6) + Math.log(0.4)) - Math.log(0.4) + 7 * -2.8, 0);
    // Scored as partial paths are, so the early endpoint sees that the best path of all is this complete one.
    expect(best?.score).toBeGreaterThanOrEqual((decoder.partial()?.score ?? 0) - 1e-9);
    expect(best?.extendable).toBe(false);
  });

  it('counts a path in the first states of the silence after its last word as complete', () => {
    const model = fakeInventory();
    const hmm = compileHmmGraph(graph, lexicon, model);
    const decoder = new HmmDecoder(hmm);
    // Six frames a state; the audio stops six frames into the trailing silence, in its first state, where
    // the path pays the silence penalty (-20) but no longer the -8 a frame of staying in the last phone.
    const scores = speak(model, 'turn off the lights'.split(' '), 6);
    const frames = scores.length / senoneCount - 12;
    decoder.advance(denseSenoneFrames(scores.subarray(0, frames * senoneCount), frames, senoneCount));
    const [best] = decoder.finals();
    expect(best?.words.join(' ')).toBe('turn off the lights');
    // The best path of all is that one, so the early endpoint can fire on it.
    expect(best?.score).toBeCloseTo(decoder.partial()?.score ?? NaN, 9);
  });

  it('decodes a one-phone word and takes an optional phrase when it was said', () => {
    const model = fakeInventory();
    const hmm = compileHmmGraph(graph, lexicon, model);
    const decoder = new HmmDecoder(hmm);
    const scores = speak(model, 'a kitchen'.split(' '));
    decoder.advance(denseSenoneFrames(scores, scores.length / senoneCount, senoneCount));
    expect(decoder.finals()[0]?.words.join(' ')).toBe('a kitchen');
    decoder.reset();
    const please = speak(model, 'turn on the lights please'.split(' '));
    decoder.advance(denseSenoneFrames(please, please.length / senoneCount, senoneCount));
    const [best] = decoder.finals();
    expect(best?.words.join(' ')).toBe('turn on the lights please');
    expect(best?.intent).toBe('lightsOn');
  });

  it('says a complete command that could go on is extendable, and gives partial words before the end', () => {
    const model = fakeInventory();
    const hmm = compileHmmGraph(graph, lexicon, model);
    const decoder = new HmmDecoder(hmm);
    const half = speak(model, 'turn on the'.split(' '));
    decoder.advance(denseSenoneFrames(half, half.length / senoneCount, senoneCount));
    // A complete parse may survive a wide beam, but far below the best (incomplete) path.
    const partial = decoder.partial();
    expect(partial?.words.join(' ')).toBe('turn on the');
    for (const f of decoder.finals()) expect(f.score).toBeLessThan((partial?.score ?? 0) - 10);
    decoder.reset();
    const lights = speak(model, 'turn on the lights'.split(' '));
    decoder.advance(denseSenoneFrames(lights, lights.length / senoneCount, senoneCount));
    expect(decoder.finals()[0]?.extendable).toBe(true);
    expect(decoder.frames).toBe(lights.length / senoneCount);
  });

  it('a phone loop scores speech at least as well as any command path over the same frames', () => {
    const model = fakeInventory();
    const hmm = compileHmmGraph(graph, lexicon, model);
    const decoder = new HmmDecoder(hmm);
    const scores = speak(model, 'turn off the lights'.split(' '));
    const frames = scores.length / senoneCount;
    decoder.advance(denseSenoneFrames(scores, frames, senoneCount));
    // A loop over every triphone the graph uses, as a context-independent model would be.
    const loop = new PhoneLoop(
      [...model.lookup.values()].map((senones) => ({ senones, transitions: model.transitions('AA') })),
      { phonePenalty: 0 },
    );
    loop.advance(denseSenoneFrames(scores, frames, senoneCount));
    expect(loop.frames).toBe(frames);
    expect(loop.score).toBeGreaterThanOrEqual((decoder.finals()[0]?.score ?? 0) - 1e-9);
  });
});

describe("largest (the histogram pruning's floor)", () => {
  it('gives the k-th largest value a full sort gives, ties and repeats included', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random() * 300);
      // Few distinct values in half the trials (many ties), nearly all distinct in the others.
      const levels = 1 + Math.floor(random() * 5);
      const values = Float64Array.from({ length: n + 5 }, () =>
        trial % 2 === 0 ? Math.floor(random() * levels) : random() * 1000,
      );
      const k = 1 + Math.floor(random() * n);
      const sorted = Float64Array.from(values.subarray(0, n)).sort();
      expect(largest(values, n, k)).toBe(sorted[n - k]);
    }
  });
});
