export {
  GraphDecoder,
  defaultGraphDecoderOptions,
  type GraphDecoderOptions,
  type GraphHypothesis,
} from './graphDecoder.ts';
export { Lexicon, defaultLexiconPath } from './lexicon.ts';
export { competitorIntent, shippedCompetitors, withCompetitors } from './competitors.ts';
export { compilePhoneGraph, type PhoneGraph } from './phoneGraph.ts';
export { pronounceAny } from './pronounce.ts';
export {
  Recognizer,
  type AcousticModel,
  type RecognitionResult,
  type UtteranceRecognizer,
} from './recognizer.ts';
export {
  compileHmmGraph,
  defaultHmmGraphOptions,
  type HmmGraph,
  type HmmGraphOptions,
  type TriphoneInventory,
  type WordPosition,
} from './hmmGraph.ts';
export { HmmDecoder, defaultHmmDecoderOptions, type HmmDecoderOptions } from './hmmDecoder.ts';
export { PhoneLoop, defaultPhoneLoopOptions, type LoopPhone, type PhoneLoopOptions } from './phoneLoop.ts';
export { alignPhones, joinSenoneFrames, type PhoneSegment } from './phoneAlign.ts';
export type { ParseRescorer } from './parseRescorer.ts';
export { SenoneRecognizer, type SenoneRecognizerOptions } from './senoneRecognizer.ts';
export type { NoisyUtterancePass, UtteranceDenoiser } from './noisyUtterance.ts';
export {
  type AlignedPhone,
  type RatioStatistic,
  defaultRatioStatistic,
  noiseAllowance,
  worstPhoneTerm,
} from './ratioStatistic.ts';
export { dictationGraph, defaultDictationOptions, type DictationOptions } from './dictationGraph.ts';
export { ctcViterbiScore } from './ctcScore.ts';
export { type SenoneFrames, type SenoneModel, denseSenoneFrames } from './senoneFrames.ts';
export { SenoneMixture, type GaussianSelection, topGaussians } from './senoneMixture.ts';
