export { EspeakTts, defaultEspeakTtsOptions, type EspeakTtsOptions } from './espeakTts.ts';
export { MAX_TTS_TEXT_LENGTH } from './sanitizeText.ts';
export { splitSentences, type SplitSentencesOptions } from './splitSentences.ts';
export type { SynthesizedSpeech, TtsEngine } from './ttsEngine.ts';
export { TtsError, type TtsErrorCode } from './ttsError.ts';
export { WorkerTts } from './workerTts.ts';
export { CachedTts } from './cachedTts.ts';
export { TtsPool, defaultTtsPoolOptions, type TtsPoolOptions } from './ttsPool.ts';
