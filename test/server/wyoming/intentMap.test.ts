import { beforeAll, describe, expect, it } from 'vitest';
import { type ContextSpec, loadContext, parseContext, parseText } from '../../../src/context/index.ts';
import { type ConversationContext, converse } from '../../../src/server/wyoming/conversation.ts';
import {
  type HomeAssistantMap,
  loadHomeAssistantMap,
  parseHomeAssistantMap,
  toHomeAssistant,
} from '../../../src/server/wyoming/intentMap.ts';
import { spokenDuration, spokenNumber } from '../../../src/server/wyoming/spokenNumbers.ts';

describe('spoken numbers', () => {
  it.each([
    ['seventy two', 72],
    ['one hundred', 100],
    ['a hundred and five', 105],
    ['twenty five', 25],
    ['zero', 0],
    ['42', 42],
  ])('%s is %d', (text, n) => expect(spokenNumber(text)).toBe(n));

  it.each(['five five', 'ten five', 'blue', ''])('%s is not a number', (text) =>
    expect(spokenNumber(text)).toBeNull(),
  );

  it('splits durations the way Home Assistant timers take them', () => {
    expect(spokenDuration('forty five minutes')).toEqual({ hours: 0, minutes: 45, seconds: 0 });
    expect(spokenDuration('half an hour')).toEqual({ hours: 0, minutes: 30, seconds: 0 });
    expect(spokenDuration('an hour')).toEqual({ hours: 1, minutes: 0, seconds: 0 });
    expect(spokenDuration('one hour and ten minutes')).toEqual({ hours: 1, minutes: 10, seconds: 0 });
    expect(spokenDuration('thirty seconds')).toEqual({ hours: 0, minutes: 0, seconds: 30 });
    expect(spokenDuration('five')).toBeNull();
  });
});

describe('the shipped smart_home mapping', () => {
  let spec: ContextSpec;
  let map: HomeAssistantMap;
  beforeAll(async () => {
    spec = await loadContext('smart_home');
    map = (await loadHomeAssistantMap('smart_home', spec)) as HomeAssistantMap;
  });
  const ha = (text: string) => {
    const parse = parseText(spec, text);
    if (parse === null) throw new Error(`no parse of ${text}`);
    return toHomeAssistant(map, parse);
  };

  it('covers every intent of the context, mapped or said to be unsupported', () => {
    expect([...map.intents.keys()].sort()).toEqual([...spec.intents].sort());
    const unsupported = [...map.intents].filter(([, m]) => m.kind === 'unsupported').map(([i]) => i);
    expect(unsupported).toEqual(['changeTemperatureRelative']);
  });

  it.each([
    ['turn on the lights in the kitchen', 'HassTurnOn', { area: 'kitchen', domain: 'light' }],
    ['turn the lights off', 'HassTurnOff', { domain: 'light' }],
    ['set the bedroom lights to twenty five percent', 'HassLightSet', { area: 'bedroom', brightness: 25 }],
    ['change the lights to warm white', 'HassLightSet', { color: 'warm white' }],
    ['set the thermostat to seventy two degrees', 'HassClimateSetTemperature', { temperature: 72 }],
    ['set a timer for forty five minutes', 'HassStartTimer', { minutes: 45 }],
    ['set a timer for half an hour', 'HassStartTimer', { minutes: 30 }],
    ['cancel the timer for two hours', 'HassCancelTimer', { start_hours: 2 }],
    [
      'play something by Miles Davis',
      'HassMediaSearchAndPlay',
      { search_query: 'Miles Davis', media_class: 'artist' },
    ],
    ['play some music', 'HassMediaUnpause', {}],
    ['pause the music', 'HassMediaPause', {}],
    ['skip to the next song', 'HassMediaNext', {}],
    ['turn the volume up', 'HassSetVolumeRelative', { volume_step: 'up' }],
    ["what's the weather in Paris", 'HassGetWeather', {}],
    ['unlock the front door', 'HassTurnOff', { name: 'front door', domain: 'lock' }],
    ['activate movie mode', 'HassTurnOn', { name: 'movie', domain: 'scene' }],
    ['never mind', 'HassNevermind', {}],
  ])('%s → %s', (text, name, entities) => {
    const out = ha(text);
    expect(out).toMatchObject({ name });
    const got = Object.fromEntries(
      (out as unknown as { entities: { name: string; value: unknown }[] }).entities.map((e) => [
        e.name,
        e.value,
      ]),
    );
    expect(got).toEqual(entities);
  });

  it('says why a relative temperature change cannot go to Home Assistant', () => {
    expect(ha('make it warmer')).toEqual({ unsupported: expect.stringContaining('thermostat') });
  });

  it('answers a conversation turn with intent, entities and the reply, or not-recognized', () => {
    const contexts: ConversationContext[] = [{ name: 'smart_home', spec, map }];
    expect(converse('Turn on the lights in the kitchen, please!', contexts)).toEqual({
      type: 'intent',
      data: {
        name: 'HassTurnOn',
        entities: [
          { name: 'area', value: 'kitchen' },
          { name: 'domain', value: 'light' },
        ],
        text: 'Turning on the kitchen lights.',
      },
    });
    expect(converse('order a pizza', contexts)).toMatchObject({ type: 'not-recognized' });
    expect(converse('make it warmer', contexts)).toMatchObject({
      type: 'not-recognized',
      data: { text: expect.stringContaining('changeTemperatureRelative') },
    });
    expect(
      converse('seven', [
        {
          name: 'digits',
          spec: parseContext(
            "context:\n  expressions:\n    digit: ['$d:d']\n  slots:\n    d: [seven]\n",
            'digits',
          ),
          map: null,
        },
      ]),
    ).toMatchObject({
      type: 'not-recognized',
      data: { text: expect.stringContaining('no Home Assistant intent') },
    });
  });
});

describe('side file checks', () => {
  const spec = parseContext(
    "context:\n  expressions:\n    lights:\n      - 'lights $state:state'\n  slots:\n    state: ['on', 'off']\n",
    'test',
  );
  const bad = (yaml: string) => () => parseHomeAssistantMap(yaml, 'x.homeassistant.yaml', spec);

  it('names the file and what is wrong', () => {
    expect(bad('homeassistant:\n  nope:\n    intent: HassTurnOn\n')).toThrow(
      /x.homeassistant.yaml: nope is not an intent/,
    );
    expect(bad('homeassistant:\n  lights:\n    when: {color: red}\n    intent: HassTurnOn\n')).toThrow(
      /color is not a slot/,
    );
    expect(
      bad("homeassistant:\n  lights:\n    intent: HassTurnOn\n    entities: {x: '{state:kelvin}'}\n"),
    ).toThrow(/unknown conversion/);
    expect(
      bad("homeassistant:\n  lights:\n    intent: HassTurnOn\n    entities: {x: 'at {state:number}'}\n"),
    ).toThrow(/whole template/);
    expect(bad('homeassistant:\n  lights:\n    intent: turn on\n')).toThrow(/intent name/);
    expect(bad('homeassistant: [1]\n')).toThrow(/must be a map/);
  });
});
