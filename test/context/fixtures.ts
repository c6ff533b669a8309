import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ContextGraph } from '../../src/context/index.ts';

/** A small context exercising choices, optionals, slots, macros and replies. Line numbers matter to tests. */
export const LIGHTS_YAML = [
  'context:', // 1
  '  expressions:', // 2
  '    changeLightState:', // 3
  '      - "(@polite) [turn, switch] $state:state the lights (in the $room:room)"', // 4
  '      - "lights $state:state"', // 5
  '    setColor:', // 6
  '      - "[make, paint] the $room:room [light, lights] $color:color (please)"', // 7
  '      - "(@polite) change the lights to $color:color"', // 8
  '  slots:', // 9
  '    state: ["on", "off"]', // 10
  '    room: ["Kitchen", "Living Room", "kids\' room"]', // 11
  '    color: ["red", "dark red", "blue"]', // 12
  '  macros:', // 13
  '    polite: ["please", "could you"]', // 14
  '  replies:', // 15
  '    changeLightState: "Turning {state} the[ {room}] lights."', // 16
].join('\n');

/** Where the shared coffee_maker context lives (absent on machines without ../shared). */
export const COFFEE_MAKER_PATH = fileURLToPath(
  new URL('../../../shared/contexts/coffee_maker.yaml', import.meta.url),
);
export const HAVE_COFFEE_MAKER = existsSync(COFFEE_MAKER_PATH);

/** The arc indices of the first path spelling `words` from the start to a final node, or `null`. */
export function findPath(graph: ContextGraph, words: readonly string[]): number[] | null {
  const path: number[] = [];
  const visit = (node: number, pos: number): boolean => {
    if (pos === words.length && graph.finals.has(node)) return true;
    for (const index of graph.arcsFrom[node] ?? []) {
      const arc = graph.arcs[index];
      if (arc === undefined) continue;
      if (arc.word !== null && arc.word !== words[pos]) continue;
      path.push(index);
      if (visit(arc.to, arc.word === null ? pos : pos + 1)) return true;
      path.pop();
    }
    return false;
  };
  return visit(graph.start, 0) ? path : null;
}

/** Every sentence of a (small) graph with its intent, as `"intent: words"`, sorted. */
export function allSentences(graph: ContextGraph): string[] {
  const out = new Set<string>();
  const walk = (node: number, words: string[]): void => {
    const intent = graph.finals.get(node);
    if (intent !== undefined) out.add(`${intent}: ${words.join(' ')}`);
    for (const index of graph.arcsFrom[node] ?? []) {
      const arc = graph.arcs[index];
      if (arc !== undefined) walk(arc.to, arc.word === null ? words : [...words, arc.word]);
    }
  };
  walk(graph.start, []);
  return [...out].sort();
}
