import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile, float32ToInt16, resample } from '../../src/audio/index.ts';
import { parseContext, parseText } from '../../src/context/index.ts';
import {
  PS_SAMPLE_RATE,
  decodeBatch,
  parseHypLine,
  parseHypsegLine,
} from '../../scripts/pocketsphinx/batch.ts';
import {
  DEBIAN_DICT,
  DEBIAN_HMM,
  checkWords,
  guessCompound,
  parseDictionary,
} from '../../scripts/pocketsphinx/dictionary.ts';
import { contextToJsgf, contextWords } from '../../scripts/pocketsphinx/jsgf.ts';

/** Choices, optionals, a macro, multi-word and dotted slot types, and a slot type no expression uses. */
const YAML = [
  'context:',
  '  expressions:',
  '    changeLightState:',
  '      - "(@polite) turn $state:state the [light, lights] (in the $room:room)"',
  '      - "(@polite) turn the [light, lights] $state:state"',
  '      - "lights $state:state"',
  '    setColor:',
  '      - "(@polite) [make, paint] the $room:room lights $my.color:color (please)"',
  '  slots:',
  '    state: ["on", "off"]',
  '    room: ["Kitchen", "Living Room"]',
  '    my.color: ["red", "dark red"]',
  '    unused: ["never"]',
  '  macros:',
  '    polite: ["please", "could you"]',
].join('\n');
const spec = parseContext(YAML, 'lights');

const RULES = [
  '<slot_state> = on | off;',
  '<slot_room> = kitchen | living room;',
  '<slot_my_color> = red | dark red;',
  '<macro_polite> = please | could you;',
];

describe('contextToJsgf', () => {
  it('writes one alternative per expression, slot types and macros as rules', () => {
    expect(contextToJsgf(spec, { name: 'lights' })).toBe(
      [
        '#JSGF V1.0;',
        '',
        'grammar lights;',
        '',
        'public <command> =',
        '    [ <macro_polite> ] turn <slot_state> the ( light | lights ) [ in the <slot_room> ]',
        '  | [ <macro_polite> ] turn the ( light | lights ) <slot_state>',
        '  | lights <slot_state>',
        '  | [ <macro_polite> ] ( make | paint ) the <slot_room> lights <slot_my_color> [ please ];',
        '',
        ...RULES,
        '',
      ].join('\n'),
    );
  });

  it('left-factors expressions that share a beginning when asked', () => {
    const factored = contextToJsgf(spec, { name: 'lights', factor: true });
    expect(factored.split('\n').slice(4, 7)).toEqual([
      'public <command> =',
      '    [ <macro_polite> ] ( turn ( <slot_state> the ( light | lights ) [ in the <slot_room> ] | the ( light | lights ) <slot_state> ) | ( make | paint ) the <slot_room> lights <slot_my_color> [ please ] )',
      '  | lights <slot_state>;',
    ]);
    expect(factored.split('\n').slice(8, -1)).toEqual(RULES);
  });

  it('makes the rest optional when one expression is a prefix of another', () => {
    const prefix = parseContext(
      ['context:', '  expressions:', '    stop:', '      - "stop"', '      - "stop the music"'].join('\n'),
      'prefix',
    );
    expect(contextToJsgf(prefix, { factor: true })).toContain(
      'public <command> =\n    stop [ the music ];\n',
    );
  });

  it('sanitises names and keeps colliding rule names apart', () => {
    const clash = parseContext(
      [
        'context:',
        '  expressions:',
        '    go:',
        '      - "$a.b:x $a_b:y"',
        '  slots:',
        '    a.b: ["one"]',
        '    a_b: ["two"]',
      ].join('\n'),
      'clash',
    );
    const jsgf = contextToJsgf(clash, { name: 'my-context' });
    expect(jsgf).toContain('grammar my_context;');
    expect(jsgf).toContain('    <slot_a_b> <slot_a_b_2>;');
    expect(jsgf).toContain('<slot_a_b> = one;\n<slot_a_b_2> = two;\n');
  });

  it('lists every word of the context, slot values included', () => {
    expect(contextWords(spec)).toEqual(
      ['kitchen', 'living', 'room', 'red', 'dark', 'on', 'off', 'could', 'you', 'please', 'turn', 'the']
        .concat(['light', 'lights', 'in', 'make', 'paint', 'never'])
        .sort(),
    );
  });
});

describe('pronunciation dictionary', () => {
  const dict = parseDictionary(
    ['un AH N', 'mute M Y UW T', 'u Y UW', 'mute(2) M Y UW D', 'Lights L AY T S'].join('\n'),
  );

  it('reads alternates under one lower-cased word', () => {
    expect(dict.get('mute')).toEqual(['M Y UW T', 'M Y UW D']);
    expect(dict.get('lights')).toEqual(['L AY T S']);
  });

  it('guesses a compound from two dictionary words and reports the rest', () => {
    expect(guessCompound('unmute', dict)).toBe('AH N M Y UW T');
    expect(checkWords(['mute', 'unmute', 'remute'], dict)).toEqual({
      guessed: new Map([['unmute', 'AH N M Y UW T']]),
      missing: ['remute'],
    });
  });
});

describe('pocketsphinx output', () => {
  it('parses -hyp lines, dropping fillers and pronunciation marks', () => {
    expect(parseHypLine('turn on(2) <sil> the lights (u000001 -6176)')).toEqual({
      uttid: 'u000001',
      text: 'turn on the lights',
      score: -6176,
    });
    expect(parseHypLine(' (u000002 0)')).toEqual({ uttid: 'u000002', text: '', score: 0 });
    expect(parseHypLine('INFO: something')).toBeNull();
  });

  it('parses -hypseg lines to the acoustic score and frame count', () => {
    const line = 'u1 S 0 T -6176 A -5839 L -337 0 -686 0 turn 23 -601 0 on(2) 36 -219 -337 <sil> 176';
    expect(parseHypsegLine(line)).toEqual({ uttid: 'u1', acousticScore: -5839, frames: 176 });
  });
});

const HAVE_POCKETSPHINX =
  spawnSync('pocketsphinx_batch', ['-help', 'no']).error === undefined &&
  existsSync(DEBIAN_HMM) &&
  existsSync(DEBIAN_DICT) &&
  spawnSync('espeak-ng', ['--version']).error === undefined;

describe.skipIf(!HAVE_POCKETSPHINX)('pocketsphinx_batch with the grammar', () => {
  it('recognises a synthesized command with the flat and the factored grammar', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'vx-jsgf-test-'));
    try {
      const wav = join(folder, 'say.wav');
      await promisify(execFile)('espeak-ng', [
        '-v',
        'en-us',
        '-w',
        wav,
        'could you turn on the lights in the kitchen',
      ]);
      const decoded = decodeAudioFile(await readFile(wav));
      // Quiet lead-in and tail as in the evaluation sets: without one, pocketsphinx's VAD clips the first word.
      const speech = resample(decoded.pcm, decoded.sampleRate, PS_SAMPLE_RATE);
      const pcm = new Int16Array(speech.length + PS_SAMPLE_RATE);
      pcm.set(float32ToInt16(speech), PS_SAMPLE_RATE / 2);
      for (const factor of [false, true]) {
        const jsgf = join(folder, `g${String(factor)}.gram`);
        await writeFile(jsgf, contextToJsgf(spec, { name: 'lights', factor }));
        const { hypotheses } = await decodeBatch([pcm, new Int16Array(PS_SAMPLE_RATE / 2)], { jsgf });
        const [spoken, silence] = hypotheses;
        expect(spoken?.text).toBe('could you turn on the lights in the kitchen');
        expect(spoken?.frames).toBeGreaterThan(50);
        expect(parseText(spec, spoken?.text ?? '')).toEqual({
          intent: 'changeLightState',
          slots: { state: 'on', room: 'Kitchen' },
        });
        // Digital silence: no grammar path reaches the end, which is pocketsphinx's only way to reject.
        expect(silence?.text).toBe('');
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
