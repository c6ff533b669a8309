import { describe, expect, it } from 'vitest';
import { parseReplyTemplate, renderReply, replyFor } from '../../src/context/reply.ts';

describe('renderReply', () => {
  it('fills placeholders with slot values', () => {
    expect(renderReply('One {size} {coffeeDrink}, coming up.', { size: 'large', coffeeDrink: 'latte' })).toBe(
      'One large latte, coming up.',
    );
  });

  it('renders a missing slot as nothing and collapses the space it leaves', () => {
    expect(renderReply('One {size} {coffeeDrink}, coming up.', { coffeeDrink: 'latte' })).toBe(
      'One latte, coming up.',
    );
    expect(renderReply('One {size} {coffeeDrink}, coming up.', { size: 'large' })).toBe(
      'One large, coming up.',
    );
    expect(renderReply('{greeting}, hello', {})).toBe('hello');
  });

  it('renders an optional segment only when all its slots are filled', () => {
    const template = "Here's the weather[ in {city}][ for {day}].";
    expect(renderReply(template, { city: 'New York', day: 'tomorrow' })).toBe(
      "Here's the weather in New York for tomorrow.",
    );
    expect(renderReply(template, { day: 'today' })).toBe("Here's the weather for today.");
    expect(renderReply(template, {})).toBe("Here's the weather.");
    expect(renderReply('Hi[ {a} and {b}].', { a: 'x' })).toBe('Hi.');
  });

  it('ignores inherited properties as slot values', () => {
    expect(renderReply('Hi {constructor}.', {})).toBe('Hi.');
  });

  it('falls back to the intent in words, or "OK."', () => {
    expect(renderReply(undefined, {}, 'changeLightState')).toBe('Change light state.');
    expect(renderReply(undefined, {}, 'set_timer')).toBe('Set timer.');
    expect(renderReply(undefined, {}, 'playTVShow')).toBe('Play TV show.');
    expect(renderReply(undefined, {})).toBe('OK.');
  });

  it('replyFor picks the intent template', () => {
    const replies = new Map([['orderDrink', 'One {size} {coffeeDrink}.']]);
    expect(replyFor(replies, { intent: 'orderDrink', slots: { coffeeDrink: 'mocha' } })).toBe('One mocha.');
    expect(replyFor(replies, { intent: 'cancelOrder', slots: {} })).toBe('Cancel order.');
  });
});

describe('parseReplyTemplate', () => {
  it('lists placeholders once, in order', () => {
    expect(parseReplyTemplate('{a} [{b} {a}] {c}').placeholders).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['{a b}', 'bad placeholder at column 1'],
    ['{}', 'bad placeholder'],
    ['a }', "unbalanced '}'"],
    ['[a [b]]', "nested '['"],
    ['a]', "unbalanced ']'"],
    ['[a {b}', 'never closed'],
  ])('rejects %j', (template, message) => {
    expect(() => parseReplyTemplate(template)).toThrow(message);
    expect(() => renderReply(template, {})).toThrow(SyntaxError);
  });
});
