import { describe, expect, it } from 'vitest';
import { compileContext } from '../../src/context/compile.ts';
import { parseText } from '../../src/context/match.ts';
import { parseContext } from '../../src/context/parse.ts';
import { LIGHTS_YAML } from './fixtures.ts';

const spec = parseContext(LIGHTS_YAML, 'lights');

describe('parseText', () => {
  it('parses a sentence to its intent and slots, values as written', () => {
    expect(parseText(spec, 'Could you switch ON the lights in the living room?')).toEqual({
      intent: 'changeLightState',
      slots: { state: 'on', room: 'Living Room' },
    });
  });

  it('leaves out slots of optional phrases that were not said', () => {
    expect(parseText(spec, 'turn off the lights')).toEqual({
      intent: 'changeLightState',
      slots: { state: 'off' },
    });
  });

  it('matches multi-word slot values and normalised ones', () => {
    expect(parseText(spec, "paint the kids' room light dark red please")).toEqual({
      intent: 'setColor',
      slots: { room: "kids' room", color: 'dark red' },
    });
  });

  it('accepts a compiled graph', () => {
    expect(parseText(compileContext(spec), 'lights on')).toEqual({
      intent: 'changeLightState',
      slots: { state: 'on' },
    });
  });

  it.each([
    [''],
    ['lights'],
    ['lights on please now'],
    ['turn purple the lights'],
    ['make the garage lights red'],
  ])('returns null for %j, which the grammar does not produce', (text) => {
    expect(parseText(spec, text)).toBeNull();
  });

  it('returns the first parse in expression order when several exist', () => {
    const ambiguous = parseContext(
      [
        'context:',
        '  expressions:',
        '    first: ["play $song:song"]',
        '    second: ["play $album:album", "play it"]',
        '  slots:',
        '    song: ["yesterday"]',
        '    album: ["yesterday", "abbey road"]',
      ].join('\n'),
      'amb',
    );
    expect(parseText(ambiguous, 'play yesterday')).toEqual({ intent: 'first', slots: { song: 'yesterday' } });
    expect(parseText(ambiguous, 'play abbey road')).toEqual({
      intent: 'second',
      slots: { album: 'abbey road' },
    });
  });

  it('inside an expression, takes an optional phrase before skipping it', () => {
    const greedy = parseContext(
      'context:\n  expressions:\n    e: ["(big) $size:size"]\n  slots:\n    size: ["big cup", "cup"]\n',
      'greedy',
    );
    expect(parseText(greedy, 'big cup')).toEqual({ intent: 'e', slots: { size: 'cup' } });
  });
});
