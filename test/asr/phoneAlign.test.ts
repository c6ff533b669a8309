import { describe, expect, it } from 'vitest';
import { HmmDecoder } from '../../src/asr/hmmDecoder.ts';
import { type TriphoneInventory, compileHmmGraph } from '../../src/asr/hmmGraph.ts';
import { Lexicon } from '../../src/asr/lexicon.ts';
import { alignPhones, joinSenoneFrames } from '../../src/asr/phoneAlign.ts';
import { denseSenoneFrames } from '../../src/asr/senoneFrames.ts';
import { compileContext, parseContext } from '../../src/context/index.ts';

const lexicon = Lexicon.fromText('turn T ER N\non AA N\noff AO F');
const context = compileContext(
  parseContext('context:\n  expressions:\n    go:\n      - "turn on"\n      - "turn off"\n', 'inline'),
);
/** Context-independent senones: phone i has senones 3i … 3i + 2. */
const phones = ['SIL', 'T', 'ER', 'N', 'AA', 'AO', 'F'];
const inventory: TriphoneInventory = {
  silence: 'SIL',
  senones: (base) => [0, 1, 2].map((k) => 3 * phones.indexOf(base) + k),
  transitions: () => Array.from({ length: 6 }, () => Math.log(0.5)),
};
const senones = 3 * phones.length;

/** Scores where each listed phone holds its three senones for `frames` frames each third. */
function frames(spoken: [string, number][]): { scores: Float32Array; count: number } {
  const ids: number[] = [];
  for (const [phone, n] of spoken)
    for (let i = 0; i < n; i++) ids.push(3 * phones.indexOf(phone) + Math.min(2, Math.floor((3 * i) / n)));
  const scores = new Float32Array(ids.length * senones).fill(-8);
  ids.forEach((id, t) => (scores[t * senones + id] = 0));
  return { scores, count: ids.length };
}

describe('alignPhones', () => {
  const graph = compileHmmGraph(context, lexicon, inventory);
  const spoken: [string, number][] = [
    ['SIL', 9],
    ['T', 6],
    ['ER', 12],
    ['N', 6],
    ['SIL', 12],
    ['AA', 15],
    ['N', 9],
    ['SIL', 9],
  ];
  const { scores, count } = frames(spoken);
  const all = denseSenoneFrames(scores, count, senones);

  it('finds each phone of the decoded words where it was spoken, the pause between words left out', () => {
    const decoder = new HmmDecoder(graph);
    decoder.advance(all);
    const best = decoder.finals()[0];
    expect(best?.words).toEqual(['turn', 'on']);
    const segments = alignPhones(graph, all, best!);
    expect(segments?.map((s) => phones[(graph.senones[3 * s.hmm] as number) / 3])).toEqual([
      'T',
      'ER',
      'N',
      'AA',
      'N',
    ]);
    // Phone starts: T at 9, ER at 15, N at 27, (pause 33–44), AA at 45, N at 60, until the words' end at 69.
    expect(segments?.map((s) => [s.start, s.end])).toEqual([
      [9, 15],
      [15, 27],
      [27, 33],
      [45, 60],
      [60, 69],
    ]);
    // Every frame of a phone read its own senones, so each scores only its transitions.
    for (const s of segments ?? []) expect(s.score).toBeGreaterThan(-(s.end - s.start) * Math.log(2) - 1e-6);
  });

  it('reads scores split into chunks as one run', () => {
    const chunk = (from: number, to: number) =>
      denseSenoneFrames(scores.slice(from * senones, to * senones), to - from, senones);
    const joined = joinSenoneFrames([chunk(0, 16), chunk(16, 32), chunk(32, count)]);
    expect(joined.frames).toBe(count);
    for (const t of [0, 15, 16, 31, 32, count - 1])
      for (const s of [0, 4, 12]) expect(joined.score(t, s)).toBe(all.score(t, s));
    const decoder = new HmmDecoder(graph);
    decoder.advance(all);
    const best = decoder.finals()[0]!;
    expect(alignPhones(graph, joined, best)).toEqual(alignPhones(graph, all, best));
  });
});
