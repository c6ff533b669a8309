import { describe, expect, it } from 'vitest';
import { compileContext } from '../../src/context/compile.ts';
import { ContextError } from '../../src/context/errors.ts';
import { generateSentences } from '../../src/context/generate.ts';
import { parseText } from '../../src/context/match.ts';
import { parseContext } from '../../src/context/parse.ts';
import { withSlotValues } from '../../src/context/slots.ts';
import { LIGHTS_YAML } from './fixtures.ts';

const spec = parseContext(LIGHTS_YAML, 'lights');

describe('withSlotValues', () => {
  it('adds values, skipping ones already there, without touching the original spec', () => {
    const added = withSlotValues(spec, { room: ["Ada's Study", 'kitchen', 'Attic'] }, 'add');
    expect(added.slots.get('room')?.map((v) => v.text)).toEqual([
      'Kitchen',
      'Living Room',
      "kids' room",
      "Ada's Study",
      'Attic',
    ]);
    expect(spec.slots.get('room')).toHaveLength(3);
    expect(parseText(added, "lights on in the ada's study")).toBeNull();
    expect(parseText(added, "turn on the lights in the ada's study")).toEqual({
      intent: 'changeLightState',
      slots: { state: 'on', room: "Ada's Study" },
    });
    expect(parseText(spec, 'turn on the lights in the attic')).toBeNull();
    expect(compileContext(added).words).toContain('attic');
  });

  it('replaces values', () => {
    const replaced = withSlotValues(spec, { room: ['Den'] }, 'replace');
    expect(parseText(replaced, 'turn on the lights in the den')?.slots).toEqual({ state: 'on', room: 'Den' });
    expect(parseText(replaced, 'turn on the lights in the kitchen')).toBeNull();
    const rooms = new Set(
      generateSentences(replaced, 200, 1)
        .map((s) => s.slots['room'])
        .filter(Boolean),
    );
    expect(rooms).toEqual(new Set(['Den']));
  });

  it.each([
    [{ garden: ['x'] }, 'add', "unknown slot type 'garden'"],
    [{ room: [''] }, 'add', 'has no words'],
    [{ room: ['  !? '] }, 'add', 'has no words'],
    [{ room: [3] }, 'add', 'must be a string'],
    [{ room: ['[attic]'] }, 'add', 'plain phrases'],
    [{ room: 'attic' }, 'add', 'must be an array'],
    [{ room: [] }, 'replace', 'with no values'],
    [{ room: ['attic'] }, 'merge', "mode must be 'add' or 'replace'"],
  ])('rejects %j (%s)', (overrides, mode, message) => {
    const call = () => withSlotValues(spec, overrides as Record<string, string[]>, mode as 'add');
    expect(call).toThrow(ContextError);
    expect(call).toThrow(message);
    try {
      call();
    } catch (error) {
      expect((error as ContextError).code).toBe('VX_BAD_CONTEXT');
      expect((error as ContextError).line).toBeUndefined();
    }
  });
});
