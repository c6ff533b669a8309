import { describe, expect, it } from 'vitest';
import { generateSentences } from '../../src/context/generate.ts';
import { parseText } from '../../src/context/match.ts';
import { parseContext } from '../../src/context/parse.ts';
import { LIGHTS_YAML } from './fixtures.ts';

const spec = parseContext(LIGHTS_YAML, 'lights');

describe('generateSentences', () => {
  it('is deterministic for a seed and varies with it', () => {
    expect(generateSentences(spec, 50, 3)).toEqual(generateSentences(spec, 50, 3));
    expect(generateSentences(spec, 50, 3)).not.toEqual(generateSentences(spec, 50, 4));
    expect(generateSentences(spec, 0, 3)).toEqual([]);
  });

  it('rejects a count that is not a non-negative integer', () => {
    expect(() => generateSentences(spec, -1, 1)).toThrow(RangeError);
    expect(() => generateSentences(spec, 1.5, 1)).toThrow(RangeError);
  });

  it('produces normalised text whose parse gives back the same intent and slots', () => {
    for (const sentence of generateSentences(spec, 500, 11)) {
      expect(sentence.text).toMatch(/^[a-z' ]+$/);
      expect(parseText(spec, sentence.text)).toEqual({ intent: sentence.intent, slots: sentence.slots });
    }
  });

  it('covers every intent and every slot value over many draws', () => {
    const sentences = generateSentences(spec, 500, 5);
    expect(new Set(sentences.map((s) => s.intent))).toEqual(new Set(spec.intents));
    const seen = new Set(sentences.flatMap((s) => Object.values(s.slots)));
    for (const values of spec.slots.values()) for (const value of values) expect(seen).toContain(value.text);
    // Optional phrases are sometimes said and sometimes not.
    const withPolite = sentences.filter((s) => /^(please|could you) /.test(s.text)).length;
    expect(withPolite).toBeGreaterThan(50);
    expect(withPolite).toBeLessThan(400);
  });
});
