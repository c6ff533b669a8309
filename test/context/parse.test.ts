import { describe, expect, it } from 'vitest';
import { parseContext } from '../../src/context/parse.ts';
import { LIGHTS_YAML } from './fixtures.ts';

describe('parseContext', () => {
  const spec = parseContext(LIGHTS_YAML, 'lights.yaml');

  it('lists intents and expressions in file order, with their lines', () => {
    expect(spec.source).toBe('lights.yaml');
    expect(spec.intents).toEqual(['changeLightState', 'setColor']);
    expect(spec.expressions.map((e) => [e.intent, e.line])).toEqual([
      ['changeLightState', 4],
      ['changeLightState', 5],
      ['setColor', 7],
      ['setColor', 8],
    ]);
    expect(spec.expressions[0]?.text).toBe(
      '(@polite) [turn, switch] $state:state the lights (in the $room:room)',
    );
    expect([...(spec.expressions[0]?.slots ?? [])]).toEqual([
      ['state', 'state'],
      ['room', 'room'],
    ]);
  });

  it('keeps slot values as written, with normalised words', () => {
    expect(spec.slots.get('room')).toEqual([
      { text: 'Kitchen', words: ['kitchen'] },
      { text: 'Living Room', words: ['living', 'room'] },
      { text: "kids' room", words: ['kids', 'room'] },
    ]);
  });

  it('keeps macros and replies', () => {
    expect(spec.macros.get('polite')).toEqual(['please', 'could you']);
    expect([...spec.replies]).toEqual([['changeLightState', 'Turning {state} the[ {room}] lights.']]);
  });

  it('accepts a context without slots, macros or replies, and YAML in any key order', () => {
    const minimal = parseContext('context:\n  expressions:\n    hello: ["hi there"]\n', 'm');
    expect(minimal.slots.size).toBe(0);
    expect(minimal.replies.size).toBe(0);
    const reordered = parseContext(
      'context:\n  slots:\n    x: [a]\n  macros:\n    m: [b]\n  expressions:\n    e: ["@m $x:x"]\n',
      'r',
    );
    expect(reordered.expressions[0]?.slots.get('x')).toBe('x');
  });

  it('drops duplicate slot values by words, keeping the first spelling', () => {
    const dup = parseContext(
      'context:\n  expressions:\n    e: ["$c:c"]\n  slots:\n    c: ["Red", "red!", "blue"]\n',
      'd',
    );
    expect(dup.slots.get('c')?.map((v) => v.text)).toEqual(['Red', 'blue']);
  });
});
