export { sessionGraph, type SessionGraphParts } from './graph.ts';
export type { BinaryItem, EventItem, StreamItem } from './items.ts';
export { defaultVoiceOptions, type VoiceOptions, type VoiceScorer } from './detectVoice.ts';
export { defaultSegmentOptions, type SegmentOptions } from './segmentUtterances.ts';
export { defaultRecognizeOptions, type RecognizeOptions } from './recognize.ts';
export { defaultUnderstandOptions, type CandidateScorer, type UnderstandOptions } from './understand.ts';
export type { SpeakOptions, SpeechSynthesizer } from './speak.ts';
export { chunkFrames, type FeatureStream } from './extractFeatures.ts';
export type { Denoiser } from './denoiseAudio.ts';
