import { describe, expect, it } from 'vitest';
import { ContextError } from '../../src/context/errors.ts';
import { parseContext } from '../../src/context/parse.ts';

function failure(lines: readonly string[]): ContextError {
  try {
    parseContext(lines.join('\n'), 'bad.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return error as ContextError;
  }
  throw new Error('expected the context to be rejected');
}

const HEAD = ['context:', '  expressions:'];

// [what, file lines, expected line, text in the message]
const CASES: [string, string[], number, string][] = [
  ['YAML syntax', [...HEAD, '    a:', '      - "x" y', '  slots: {}'], 4, 'invalid YAML'],
  [
    'an unclosed quote (YAML notices on the next line)',
    [...HEAD, '    a:', '      - "x', '  slots: {}'],
    5,
    'Missing closing',
  ],
  [
    'a flow list where an expression should be quoted',
    [...HEAD, '    a:', '      - [brew, get] coffee'],
    4,
    'invalid YAML',
  ],
  ['duplicate keys', [...HEAD, '    a: ["x"]', '    a: ["y"]'], 4, 'invalid YAML'],
  ['missing context key', ['contxt:', '  expressions: {}'], 1, "missing 'context:' key"],
  ['an empty file', [''], 1, "missing 'context:' key"],
  ['context that is not a map', ['context: 5'], 1, '`context:` must be a map'],
  [
    'an unknown top-level key',
    ['context:', '  expressions:', '    a: ["x"]', 'replies: {}'],
    4,
    "unknown key 'replies'",
  ],
  [
    'an unknown key under context',
    [...HEAD, '    a: ["x"]', '  slot:', '    s: ["x"]'],
    4,
    "unknown key 'slot'",
  ],
  ['missing expressions', ['context:', '  slots:', '    s: ["x"]'], 1, "missing 'expressions:'"],
  ['no intents', ['context:', '  expressions: {}'], 2, 'has no intents'],
  [
    'an intent that is not a list',
    [...HEAD, '    a: "hello"'],
    3,
    "expressions of intent 'a' must be a list",
  ],
  ['an intent with no expressions', [...HEAD, '    a: []'], 3, 'is an empty list'],
  [
    'a non-string expression',
    [...HEAD, '    a:', '      - "ok"', '      - 42'],
    5,
    'every item must be a string, got number',
  ],
  ['a null expression', [...HEAD, '    a:', '      - "ok"', '      -'], 5, 'must be a string'],
  ['a nested list expression', [...HEAD, '    a:', '      - ["x", "y"]'], 4, 'got a nested collection'],
  ['an empty expression', [...HEAD, '    a:', '      - "ok"', '      - ""'], 5, 'empty expression'],
  ['an unclosed bracket', [...HEAD, '    a:', '      - "ok"', '      - "[a, b c"'], 5, "unbalanced '['"],
  ['a stray closing bracket', [...HEAD, '    a:', '      - "a b)"'], 4, "unbalanced ')'"],
  ['an empty choice', [...HEAD, '    a:', '      - "x [a, , b]"'], 4, 'empty choice'],
  [
    'an unknown slot type',
    [...HEAD, '    a:', '      - "x"', '      - "x $size:size"', '  slots:', '    sise: ["s"]'],
    5,
    "unknown slot type 'size'",
  ],
  ['an unknown macro', [...HEAD, '    a:', '      - "x @please"'], 4, "unknown macro 'please'"],
  [
    'a slot filled twice',
    [...HEAD, '    a:', '      - "$s:x $s:x"', '  slots:', '    s: ["v"]'],
    4,
    'filled twice',
  ],
  ['slots that is not a map', [...HEAD, '    a: ["x"]', '  slots: ["a"]'], 4, '`slots:` must be a map'],
  [
    'a slot type that is not a list',
    [...HEAD, '    a: ["x"]', '  slots:', '    s: "v"'],
    5,
    "slot type 's' must be a list",
  ],
  ['a slot type with no values', [...HEAD, '    a: ["x"]', '  slots:', '    s: []'], 5, 'is an empty list'],
  [
    'a non-string slot value',
    [...HEAD, '    a: ["x"]', '  slots:', '    s:', '      - "one"', '      - 2'],
    7,
    'must be a string',
  ],
  [
    'a slot value with no words',
    [...HEAD, '    a: ["x"]', '  slots:', '    s:', '      - "one"', '      - "?!"'],
    7,
    'has no words',
  ],
  [
    'a slot value with syntax',
    [...HEAD, '    a: ["x"]', '  slots:', '    s:', '      - "[one]"'],
    6,
    'plain phrases',
  ],
  [
    'a macro with a slot',
    [...HEAD, '    a: ["x @m"]', '  slots:', '    s: ["v"]', '  macros:', '    m:', '      - "$s:s"'],
    8,
    'not allowed in a macro',
  ],
  [
    'a macro that is not a list',
    [...HEAD, '    a: ["x"]', '  macros:', '    m: "please"'],
    5,
    "macro 'm' must be a list",
  ],
  ['replies that is not a map', [...HEAD, '    a: ["x"]', '  replies: "hi"'], 4, '`replies:` must be a map'],
  [
    'a reply for an unknown intent',
    [...HEAD, '    a: ["x"]', '  replies:', '    b: "Hi."'],
    5,
    "reply for unknown intent 'b'",
  ],
  [
    'a non-string reply',
    [...HEAD, '    a: ["x"]', '  replies:', '    a: [1]'],
    5,
    "reply for 'a' must be a string",
  ],
  [
    'a reply placeholder that is not a slot of the intent',
    [
      ...HEAD,
      '    a: ["x $s:size"]',
      '    b: ["y $s:colour"]',
      '  slots:',
      '    s: ["v"]',
      '  replies:',
      '    b: "OK {colour} {size}."',
    ],
    8,
    'uses {size}, which is not a slot of that intent (its slots: colour)',
  ],
  [
    'a reply with bad syntax',
    [...HEAD, '    a: ["x"]', '  replies:', '    a: "OK {a b}"'],
    5,
    'bad reply template',
  ],
];

describe('parseContext errors', () => {
  it.each(CASES)('reports %s at its line', (_what, lines, line, message) => {
    const error = failure(lines);
    expect(error.name).toBe('ContextError');
    expect(error.code).toBe('VX_BAD_CONTEXT');
    expect(error.source).toBe('bad.yaml');
    expect(error.message).toContain(message);
    expect(error.line).toBe(line);
    expect(error.message.startsWith(`bad.yaml:${line}: `)).toBe(true);
  });
});
