import { describe, expect, it } from 'vitest';
import { ContextError } from '../../src/context/errors.ts';
import { parseExpression, type ExpressionScope } from '../../src/context/expression.ts';

const scope: ExpressionScope = {
  source: 'inline',
  line: 7,
  slotTypes: new Set(['size', 'drink']),
  macros: new Map([['polite', [[{ kind: 'word', word: 'please' }], [{ kind: 'word', word: 'kindly' }]]]]),
};

const parse = (text: string) => parseExpression(text, scope);

function failure(text: string, s: ExpressionScope = scope): ContextError {
  try {
    parseExpression(text, s);
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return error as ContextError;
  }
  throw new Error(`expected "${text}" to fail`);
}

describe('parseExpression', () => {
  it('reads plain words, normalised', () => {
    expect(parse("I'd LIKE coffee, thanks!").nodes).toEqual(
      ["i'd", 'like', 'coffee', 'thanks'].map((word) => ({ kind: 'word', word })),
    );
  });

  it('reads choices of multi-word phrases and inlines a one-option required group', () => {
    expect(parse('[brew, can I get] [a]').nodes).toEqual([
      {
        kind: 'choice',
        optional: false,
        options: [
          [{ kind: 'word', word: 'brew' }],
          ['can', 'i', 'get'].map((word) => ({ kind: 'word', word })),
        ],
      },
      { kind: 'word', word: 'a' },
    ]);
  });

  it('reads optional phrases and optional choices', () => {
    expect(parse('coffee (right now) (please, thanks)').nodes).toEqual([
      { kind: 'word', word: 'coffee' },
      {
        kind: 'choice',
        optional: true,
        options: [
          [
            { kind: 'word', word: 'right' },
            { kind: 'word', word: 'now' },
          ],
        ],
      },
      {
        kind: 'choice',
        optional: true,
        options: [[{ kind: 'word', word: 'please' }], [{ kind: 'word', word: 'thanks' }]],
      },
    ]);
  });

  it('reads slots and reports their names and types', () => {
    const parsed = parse('a $size:cupSize $drink:drink');
    expect(parsed.nodes).toEqual([
      { kind: 'word', word: 'a' },
      { kind: 'slot', slotType: 'size', slot: 'cupSize' },
      { kind: 'slot', slotType: 'drink', slot: 'drink' },
    ]);
    expect([...parsed.slots]).toEqual([
      ['cupSize', 'size'],
      ['drink', 'drink'],
    ]);
  });

  it('expands a macro into a choice, also inside an optional', () => {
    expect(parse('(@polite) coffee').nodes[0]).toEqual({
      kind: 'choice',
      optional: true,
      options: [
        [
          {
            kind: 'choice',
            optional: false,
            macro: 'polite',
            options: [[{ kind: 'word', word: 'please' }], [{ kind: 'word', word: 'kindly' }]],
          },
        ],
      ],
    });
  });

  it('allows nesting and the same slot name in exclusive options', () => {
    const parsed = parse('[a $size:s (big), the $size:s] $drink:d');
    expect([...parsed.slots.keys()]).toEqual(['s', 'd']);
  });

  it.each([
    ['[a, b', "unbalanced '[' at column 1 (never closed)"],
    ['a b]', "unbalanced ']' at column 4"],
    ['(a b]', "'(' at column 1 closed by ']' at column 5"],
    ['[a, ] b', "empty choice or option in '[a, ]'"],
    ['x [] y', "empty choice or option in '[]'"],
    ['x () y', "empty choice or option in '()'"],
    ['x [?] y', 'empty choice or option'],
    ['', 'empty expression'],
    [' ?! ', 'empty expression'],
    ['(a) [b, (c)]', 'can match an empty utterance'],
    ['a $size', 'malformed slot reference at column 3'],
    ['a $:x', 'malformed slot reference'],
    ['a $colour:c', "unknown slot type 'colour'"],
    ['a $pv.TwoDigitInteger:n', 'built-in slots are not supported'],
    ['a @rude', "unknown macro 'rude'"],
    ['a @', 'malformed macro reference'],
    ['$size:s and $size:s', "slot 's' can be filled twice"],
    ['[$size:s, $drink:s]', "slot 's' is used with two slot types"],
  ])('rejects %j', (text, message) => {
    const error = failure(text);
    expect(error.code).toBe('VX_BAD_CONTEXT');
    expect(error.line).toBe(7);
    expect(error.source).toBe('inline');
    expect(error.message).toContain(message);
  });

  it('forbids slots and macros where the scope says so (inside macros)', () => {
    const inMacro: ExpressionScope = { source: 'm', line: 2, slotTypes: null, macros: null };
    expect(failure('a $size:s', inMacro).message).toContain('not allowed in a macro');
    expect(failure('a @polite', inMacro).message).toContain('not allowed in a macro');
  });
});
