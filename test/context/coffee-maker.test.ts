import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileContext,
  generateSentences,
  loadContext,
  parseText,
  pathToResult,
  replyFor,
} from '../../src/context/index.ts';
import { COFFEE_MAKER_PATH, findPath, HAVE_COFFEE_MAKER } from './fixtures.ts';

const TITLE = HAVE_COFFEE_MAKER
  ? 'coffee_maker context (../shared/contexts)'
  : `coffee_maker context: SKIPPED, ${COFFEE_MAKER_PATH} is absent`;

describe.skipIf(!HAVE_COFFEE_MAKER)(TITLE, () => {
  it('loads by name from ../shared with our reply sidecar', async () => {
    const spec = await loadContext('coffee_maker', { dirs: [dirname(COFFEE_MAKER_PATH)] });
    expect(spec.source).toBe(COFFEE_MAKER_PATH);
    expect(spec.intents).toEqual(['orderDrink']);
    expect(spec.expressions).toHaveLength(80);
    expect(spec.slots.get('milkAmount')).toHaveLength(36);
    expect(
      replyFor(spec.replies, { intent: 'orderDrink', slots: { size: 'large', coffeeDrink: 'latte' } }),
    ).toBe('One large latte, coming up.');
  });

  it('compiles in well under 100 ms into a small graph', async () => {
    const spec = await loadContext('coffee_maker', { dirs: [dirname(COFFEE_MAKER_PATH)] });
    let best = Infinity;
    let graph = compileContext(spec);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      graph = compileContext(spec);
      best = Math.min(best, performance.now() - t0);
    }
    expect(best).toBeLessThan(100);
    expect(graph.arcs.length).toBeLessThan(20_000);
    expect(graph.finals.size).toBe(1);
    for (const arc of graph.arcs) expect(arc.from).toBeLessThan(arc.to);
  });

  it('parses every generated sentence back, by text and by graph path, covering every slot value', async () => {
    const spec = await loadContext('coffee_maker', { dirs: [dirname(COFFEE_MAKER_PATH)] });
    const graph = compileContext(spec);
    const sentences = generateSentences(spec, 1000, 2024);
    for (const [i, sentence] of sentences.entries()) {
      const expected = { intent: sentence.intent, slots: sentence.slots };
      expect(parseText(graph, sentence.text)).toEqual(expected);
      if (i % 5 === 0) {
        const path = findPath(graph, sentence.text.split(' '));
        expect(path).not.toBeNull();
        expect(pathToResult(graph, path ?? [])).toMatchObject(expected);
      }
    }
    const seen = new Set(sentences.flatMap((s) => Object.entries(s.slots).map(([, value]) => value)));
    for (const values of spec.slots.values()) for (const value of values) expect(seen).toContain(value.text);
  });
});
