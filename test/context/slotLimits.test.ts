import { describe, expect, it } from 'vitest';
import {
  ContextError,
  checkSlotLimits,
  defaultSlotLimits,
  parseContext,
  slotLimitExceeded,
  withSlotValues,
} from '../../src/context/index.ts';
import { LIGHTS_YAML } from './fixtures.ts';

const limits = { valuesPerSlot: 3, charsPerValue: 10, totalBytes: 20 };

describe('slot limits', () => {
  it('says which limit run-time slot values pass', () => {
    expect(slotLimitExceeded({ room: ['den', 'attic'] }, limits)).toBeNull();
    expect(slotLimitExceeded({ room: ['a', 'b', 'c', 'd'] }, limits)).toBe(
      "4 values for 'room', over the limit of 3",
    );
    expect(slotLimitExceeded({ room: ['a very long room'] }, limits)).toBe(
      "a value for 'room' of 16 characters, over the limit of 10",
    );
    expect(slotLimitExceeded({ room: ['1234567890', '1234567890'], state: ['x'] }, limits)).toBe(
      '21 bytes of slot values, over the limit of 20',
    );
    // Values that are not strings are for the value check to name.
    expect(slotLimitExceeded({ room: [42] }, limits)).toBeNull();
  });

  it('makes withSlotValues refuse values over the limits, before compiling anything', () => {
    const spec = parseContext(LIGHTS_YAML, 'lights');
    const many = Array.from({ length: defaultSlotLimits.valuesPerSlot + 1 }, (_, i) => `room ${i}`);
    expect(() => withSlotValues(spec, { room: many }, 'add')).toThrow(ContextError);
    expect(() => withSlotValues(spec, { room: many }, 'add')).toThrow(/101 values for 'room'/);
    expect(withSlotValues(spec, { room: ['den'] }, 'add', limits).slots.get('room')).toHaveLength(4);
  });

  it('validates limits given as options, naming the field', () => {
    expect(() => checkSlotLimits(defaultSlotLimits, 'slotLimits')).not.toThrow();
    expect(() => checkSlotLimits({ ...limits, totalBytes: 0 }, 'slotLimits')).toThrow(
      /slotLimits.totalBytes/,
    );
  });
});
