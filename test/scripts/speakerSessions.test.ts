import { describe, expect, it } from 'vitest';
import { speakerSessionFiles, speakerSessions } from '../../scripts/realspeech/score.ts';

const row = (file: string, speaker?: string) => ({
  file,
  text: '',
  intent: null,
  slots: {},
  ...(speaker === undefined ? {} : { speaker }),
});

describe('speakerSessions (scripts/realspeech/evaluate.ts --session speaker)', () => {
  it("groups a speaker's files in the set's order, and a file without a speaker alone", () => {
    const rows = [row('a1', 'a'), row('b1', 'b'), row('s1'), row('a2', 'a'), row('s2'), row('b2', 'b')];
    expect(speakerSessions(rows)).toEqual([[0, 3], [1, 5], [2], [4]]);
  });

  it(`starts a new session after ${speakerSessionFiles} commands`, () => {
    const rows = Array.from({ length: speakerSessionFiles * 2 + 1 }, (_, i) => row(`f${i}`, 'one'));
    expect(speakerSessions(rows).map((s) => s.length)).toEqual([speakerSessionFiles, speakerSessionFiles, 1]);
  });
});
