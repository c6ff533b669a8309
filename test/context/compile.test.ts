import { describe, expect, it } from 'vitest';
import { compileContext, type ContextGraph } from '../../src/context/compile.ts';
import { parseContext } from '../../src/context/parse.ts';
import { allSentences, LIGHTS_YAML } from './fixtures.ts';

const inline = (expressions: string, slots = '') =>
  compileContext(
    parseContext(
      `context:\n  expressions:\n${expressions}\n${slots === '' ? '' : `  slots:\n${slots}\n`}`,
      'inline',
    ),
  );

function expectWellFormed(graph: ContextGraph): void {
  expect(graph.start).toBe(0);
  expect(graph.arcsFrom).toHaveLength(graph.nodeCount);
  graph.arcsFrom.forEach((indices, node) => {
    for (const i of indices) expect(graph.arcs[i]?.from).toBe(node);
  });
  expect(graph.arcsFrom.flat().sort((a, b) => a - b)).toEqual(graph.arcs.map((_, i) => i));
  for (const arc of graph.arcs) expect(arc.from).toBeLessThan(arc.to);
  const intents = [...graph.finals.values()];
  expect(new Set(intents).size).toBe(intents.length);
  for (const node of graph.finals.keys()) expect(graph.arcsFrom[node]).toEqual([]);
}

describe('compileContext', () => {
  it('spells exactly the sentences of the grammar, each with its intent', () => {
    const graph = inline(
      '    on:\n      - "turn [on, the light on] (please)"\n    off:\n      - "(now) off"',
    );
    expectWellFormed(graph);
    expect(allSentences(graph)).toEqual([
      'off: now off',
      'off: off',
      'on: turn on',
      'on: turn on please',
      'on: turn the light on',
      'on: turn the light on please',
    ]);
    expect(graph.words).toEqual(['light', 'now', 'off', 'on', 'please', 'the', 'turn']);
  });

  it('shares prefixes across expressions and suffixes anywhere', () => {
    const graph = inline('    on:\n      - "turn on the lights"\n      - "turn off the lights"');
    // 0 -turn-> 1 -on|off-> 2 -the-> 3 -lights-> 4 -eps-> 5 (final)
    expect(graph.nodeCount).toBe(6);
    expect(graph.arcs).toHaveLength(6);
  });

  it('brackets slot words with tagged epsilon arcs and stores values as written', () => {
    const graph = compileContext(parseContext(LIGHTS_YAML, 'lights'));
    expectWellFormed(graph);
    const starts = graph.arcs.filter((a) => a.tag?.type === 'slotStart');
    expect(new Set(starts.map((a) => `${a.tag?.slot}`))).toEqual(new Set(['state', 'room', 'color']));
    for (const arc of graph.arcs) if (arc.tag !== undefined) expect(arc.word).toBeNull();
    expect(graph.slotValues.get('room')?.get('living room')).toBe('Living Room');
    expect(allSentences(graph)).toContain('setColor: could you change the lights to dark red');
    expect(allSentences(graph)).toContain('changeLightState: lights off');
  });

  it('gives each intent one final node even when two intents share a sentence', () => {
    const graph = inline('    a:\n      - "hello"\n    b:\n      - "hello"\n      - "hi"');
    expectWellFormed(graph);
    expect(allSentences(graph)).toEqual(['a: hello', 'b: hello', 'b: hi']);
  });

  it('is deterministic', () => {
    const spec = parseContext(LIGHTS_YAML, 'lights');
    expect(JSON.stringify(compileContext(spec).arcs)).toBe(JSON.stringify(compileContext(spec).arcs));
  });
});
