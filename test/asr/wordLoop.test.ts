import { describe, expect, it } from 'vitest';
import { wordLoopGraph, wordLoopIntent } from '../../src/asr/wordLoop.ts';
import { pathToResult } from '../../src/context/index.ts';

describe('wordLoopGraph', () => {
  it('reads any sequence of its words as a path to the dictation intent', () => {
    const graph = wordLoopGraph(['off', 'turn', 'the', 'lights', 'turn']);
    expect(graph.words).toEqual(['lights', 'off', 'the', 'turn']);
    const arc = (word: string) => graph.arcs.findIndex((a) => a.word === word);
    const path = ['lights', 'the', 'turn', 'off', 'off'].map(arc);
    expect(pathToResult(graph, path)).toMatchObject({
      intent: wordLoopIntent,
      words: ['lights', 'the', 'turn', 'off', 'off'],
      slots: {},
    });
    // No words: the start, which is also the end (an empty transcript).
    expect(pathToResult(graph, []).words).toEqual([]);
  });

  it('refuses an empty vocabulary', () => {
    expect(() => wordLoopGraph([])).toThrow(RangeError);
  });
});
