import { describe, expect, it } from 'vitest';
import { GraphDecoder } from '../../src/asr/graphDecoder.ts';
import { Lexicon } from '../../src/asr/lexicon.ts';
import { compilePhoneGraph } from '../../src/asr/phoneGraph.ts';
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
    'tea T IY',
    'see S IY',
  ].join('\n'),
);
const phones = [
  'AA',
  'AH',
  'AO',
  'AY',
  'B',
  'CH',
  'D',
  'DH',
  'EH',
  'ER',
  'F',
  'IH',
  'IY',
  'K',
  'L',
  'M',
  'N',
  'P',
  'R',
  'S',
  'T',
  'UW',
  'Z',
];
const tokenIds = new Map(phones.map((p, i) => [p, i + 1]));
const tokens = phones.length + 1;

const yaml = `
context:
  expressions:
    lightsOn:
      - "turn on the lights (in the $room:room) (please)"
    lightsOff:
      - "turn off the lights (in the $room:room)"
  slots:
    room: [kitchen, bedroom]
`;

/** Log-probabilities that spell the phone sequence, each phone held `hold` frames, blanks between. */
function spell(seq: string[], hold = 2, noise = 0): Float32Array {
  const frames: number[][] = [];
  const row = (best: number) =>
    Array.from({ length: tokens }, (_, k) =>
      k === best ? Math.log(0.9) : Math.log(0.1 / (tokens - 1)) - noise,
    );
  frames.push(row(0), row(0));
  for (const p of seq) {
    for (let i = 0; i < hold; i++) frames.push(row(tokenIds.get(p) as number));
    frames.push(row(0));
  }
  frames.push(row(0), row(0));
  return Float32Array.from(frames.flat());
}

describe('GraphDecoder', () => {
  const graph = compileContext(parseContext(yaml, 'inline'));
  const phoneGraph = compilePhoneGraph(graph, lexicon, tokenIds);

  it('finds the command spoken, with its intent and slot', () => {
    const decoder = new GraphDecoder(phoneGraph);
    const lp = spell('T ER N AO F DH AH L AY T S IH N DH IY B EH D R UW M'.split(' '));
    decoder.advance(lp, lp.length / tokens, tokens);
    const [best] = decoder.finals();
    expect(best?.intent).toBe('lightsOff');
    expect(best?.words.join(' ')).toBe('turn off the lights in the bedroom');
    expect(pathToResult(graph, best?.arcs ?? [])).toMatchObject({
      intent: 'lightsOff',
      slots: { room: 'bedroom' },
    });
    expect(best?.score).toBeLessThanOrEqual(decoder.unconstrainedScore + 1e-9);
  });

  it('handles repeated phones across words only through a blank', () => {
    const decoder = new GraphDecoder(phoneGraph);
    const lp = spell('T ER N AA N DH AH L AY T S P L IY Z'.split(' '), 1);
    decoder.advance(lp, lp.length / tokens, tokens);
    expect(decoder.finals()[0]?.words.join(' ')).toBe('turn on the lights please');
  });

  it('gives partial words while the command is incomplete, and no final yet', () => {
    const decoder = new GraphDecoder(phoneGraph);
    const lp = spell('T ER N AA N DH AH'.split(' '));
    decoder.advance(lp, lp.length / tokens, tokens);
    expect(decoder.finals()).toEqual([]);
    expect(decoder.partial()?.words.join(' ')).toBe('turn on the');
  });

  it('resets between utterances', () => {
    const decoder = new GraphDecoder(phoneGraph);
    const a = spell('T ER N AA N DH AH L AY T S'.split(' '));
    decoder.advance(a, a.length / tokens, tokens);
    decoder.reset();
    const b = spell('T ER N AO F DH AH L AY T S'.split(' '));
    decoder.advance(b, b.length / tokens, tokens);
    expect(decoder.finals()[0]?.intent).toBe('lightsOff');
    expect(decoder.frames).toBe(b.length / tokens);
  });

  it('scores far below the unconstrained path for speech outside the context', () => {
    const decoder = new GraphDecoder(phoneGraph);
    const lp = spell('S IY S IY T IY T IY S IY'.split(' '));
    decoder.advance(lp, lp.length / tokens, tokens);
    const best = decoder.finals()[0];
    const ratio = best ? (best.score - decoder.unconstrainedScore) / decoder.frames : -Infinity;
    expect(ratio).toBeLessThan(-0.5);
  });
});
