export {
  GraphDecoder,
  defaultGraphDecoderOptions,
  type GraphDecoderOptions,
  type GraphHypothesis,
} from './graphDecoder.ts';
export { Lexicon, defaultLexiconPath } from './lexicon.ts';
export { compilePhoneGraph, type PhoneGraph } from './phoneGraph.ts';
export { pronounceAny } from './pronounce.ts';
export { Recognizer, type AcousticModel, type RecognitionResult } from './recognizer.ts';
export { dictationGraph, defaultDictationOptions, type DictationOptions } from './dictationGraph.ts';
export { ctcViterbiScore } from './ctcScore.ts';
