import { describe, expect, it } from 'vitest';
import {
  compileContext,
  generateSentences,
  loadContext,
  parseText,
  pathToResult,
  replyFor,
} from '../../src/context/index.ts';
import { findPath } from './fixtures.ts';

describe('smart_home context (models/contexts/smart_home.yaml)', () => {
  it('loads by name with a reply for every intent', async () => {
    const spec = await loadContext('smart_home');
    expect(spec.intents).toEqual(
      expect.arrayContaining([
        'changeLightState',
        'setLightColor',
        'setLightBrightness',
        'setThermostat',
        'changeTemperatureRelative',
        'setTimer',
        'cancelTimer',
        'playMusic',
        'controlMusic',
        'getWeather',
      ]),
    );
    expect(spec.expressions.length).toBeGreaterThanOrEqual(15);
    expect(spec.expressions.length).toBeLessThanOrEqual(40);
    for (const intent of spec.intents) expect(spec.replies.has(intent)).toBe(true);
  });

  it.each([
    [
      'Turn off the lights in the living room, please.',
      'changeLightState',
      { state: 'off', room: 'living room' },
      'Turning off the living room lights.',
    ],
    ['lights on', 'changeLightState', { state: 'on' }, 'Turning on the lights.'],
    [
      'set the thermostat to sixty eight degrees',
      'setThermostat',
      { temperature: 'sixty eight' },
      'Setting the thermostat to sixty eight degrees.',
    ],
    [
      'dim the bedroom lights to twenty five percent',
      'setLightBrightness',
      { room: 'bedroom', brightness: 'twenty five' },
      'Setting the bedroom lights to twenty five percent.',
    ],
    ['set a timer for half an hour', 'setTimer', { duration: 'half an hour' }, 'Timer set for half an hour.'],
    ['play some lo-fi music', 'playMusic', { genre: 'lo-fi' }, 'Playing lo-fi music.'],
    [
      'play something by the beatles in the kitchen',
      'playMusic',
      { artist: 'the Beatles', room: 'kitchen' },
      'Playing music by the Beatles in the kitchen.',
    ],
    [
      "what's the weather like in new york tomorrow",
      'getWeather',
      { city: 'New York', day: 'tomorrow' },
      "Here's the weather in New York for tomorrow.",
    ],
    ['turn the volume down', 'controlMusic', { volume: 'down' }, 'OK.'],
    ["it's movie time", 'activateScene', { scene: 'movie' }, 'Starting movie mode.'],
  ])('understands %j', async (text, intent, slots, reply) => {
    const spec = await loadContext('smart_home');
    const result = parseText(spec, text);
    expect(result).toEqual({ intent, slots });
    expect(replyFor(spec.replies, { intent, slots })).toBe(reply);
  });

  it('parses every generated sentence back and covers every intent and slot value', async () => {
    const spec = await loadContext('smart_home');
    const graph = compileContext(spec);
    const sentences = generateSentences(spec, 4000, 99);
    for (const [i, sentence] of sentences.entries()) {
      const expected = { intent: sentence.intent, slots: sentence.slots };
      expect(parseText(graph, sentence.text)).toEqual(expected);
      if (i % 10 === 0)
        expect(pathToResult(graph, findPath(graph, sentence.text.split(' ')) ?? [])).toMatchObject(expected);
    }
    expect(new Set(sentences.map((s) => s.intent))).toEqual(new Set(spec.intents));
    const seen = new Set(sentences.flatMap((s) => Object.values(s.slots)));
    for (const [slotType, values] of spec.slots) {
      for (const value of values) expect(seen, `${slotType}: ${value.text}`).toContain(value.text);
    }
  });
});
