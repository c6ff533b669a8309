import { readFileSync } from 'node:fs';
import { dictationDescription, dictationModel } from './dictation.ts';

/** What `info` describes: the served contexts and the voices. */
export interface InfoSources {
  /** Served contexts, the default first: each is an asr model (the grammar it constrains) and an intent model. */
  readonly contexts: readonly { readonly name: string; readonly intents: number }[];
  /** espeak-ng voice names offered for text to speech. */
  readonly voices: readonly string[];
  /** The acoustic model every context decodes with (`cmu`, `ctc`). */
  readonly acousticModel: string;
  /** The dictation model's vocabulary size, listed after the contexts; null when it is not offered. */
  readonly dictationWords: number | null;
}

const version: string = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** voxstream has no public home page to name; Wyoming requires the field, so it is empty. */
const ours = { name: 'voxstream', url: '' };
const cmu = {
  name: 'CMU Sphinx (en-us acoustic model, MAP-adapted by voxstream)',
  url: 'https://cmusphinx.github.io',
};
const espeak = { name: 'eSpeak NG', url: 'https://github.com/espeak-ng/espeak-ng' };

/** A Home Assistant language tag for an espeak-ng voice: `en-us` → `en-US`, `en-us+f3` → `en-US`. */
export function voiceLanguage(voice: string): string {
  const [lang = 'en', region] = (voice.split('+')[0] as string).split('-');
  return region ? `${lang}-${region.toUpperCase()}` : lang;
}

/**
 * The `info` event's data: an asr program (one model per served context, then `dictation` where offered;
 * streaming transcripts; our own voice detection, so no external VAD), a tts program (one voice per espeak-ng
 * voice; streaming synthesis), an intent program (one model per served context), and the other lists empty. Every field the reference reader requires
 * is present; `satellite` is left out (an installed satellite would make Home Assistant load nothing else).
 */
export function wyomingInfo(sources: InfoSources): Record<string, unknown> {
  const model = (name: string, description: string, attribution: { name: string; url: string }) => ({
    name,
    attribution,
    installed: true,
    description,
    version: null,
    languages: ['en'],
  });
  const program = (description: string) => ({
    name: 'voxstream',
    attribution: ours,
    installed: true,
    description,
    version,
  });
  return {
    asr: [
      {
        ...program(
          `Grammar-constrained speech recognition (acoustic model ${sources.acousticModel}); a model is a context`,
        ),
        models: [
          ...sources.contexts.map((c) =>
            model(
              c.name,
              `Commands of the ${c.name} context (${c.intents} intents); nothing outside it is transcribed`,
              sources.acousticModel === 'cmu' ? cmu : ours,
            ),
          ),
          ...(sources.dictationWords === null
            ? []
            : [model(dictationModel, dictationDescription(sources.dictationWords), cmu)]),
        ],
        supports_transcript_streaming: true,
        requires_external_vad: false,
        prefers_auto_gain_enabled: false,
        prefers_noise_reduction_enabled: false,
      },
    ],
    tts: [
      {
        ...program('Speech synthesis with eSpeak NG, sentence by sentence'),
        voices: sources.voices.map((v) => ({
          name: v,
          attribution: espeak,
          installed: true,
          description: `eSpeak NG ${v}`,
          version: null,
          languages: [voiceLanguage(v)],
          speakers: null,
        })),
        supports_synthesize_streaming: true,
      },
    ],
    handle: [],
    intent: [
      {
        ...program('Commands parsed against a context grammar and mapped to Home Assistant intents'),
        models: sources.contexts.map((c) =>
          model(c.name, `The ${c.name} context (${c.intents} intents)`, ours),
        ),
      },
    ],
    wake: [],
    mic: [],
    snd: [],
  };
}
