export { MODEL_CONTRACT, VAD_WINDOW_MS, modelSamplesToMs } from './modelContract.ts';
export { AudioError, type AudioErrorCode } from './errors.ts';
export { bytesToInt16, float32ToInt16, int16ToBytes, int16ToFloat32, toMono } from './pcm.ts';
export { decodeWav, encodeWav, type DecodedWav } from './wav.ts';
export { Resampler, resample } from './resample.ts';
export { defaultResamplerOptions, type ResamplerOptions } from './resampleFilter.ts';
export { LogMelExtractor } from './logMel.ts';
export {
  OPUS_ENCODER_PRESKIP_48K,
  OPUS_FRAME_MS,
  OPUS_SAMPLE_RATES,
  OpusDecoderStream,
  OpusEncoderStream,
  defaultOpusStreamOptions,
  type OpusStreamOptions,
} from './opus.ts';
export { readOggOpus, writeOggOpus, type OggOpus, type WriteOggOpusOptions } from './ogg.ts';
export { decodeAudioFile, type DecodedAudio } from './decodeFile.ts';
export { opusPacketSamples48k } from './opusPacket.ts';
export { SphinxMfcc, type SphinxMfccOptions, SPHINX_FRONT_END } from './sphinxMfcc.ts';
export { SphinxNoiseRemoval } from './sphinxNoise.ts';
export {
  SphinxFeatures,
  batchCmnFeatures,
  voicedCepstralMean,
  type CmnPrior,
  defaultSphinxFeaturesOptions,
  type SphinxFeaturesOptions,
} from './sphinxFeatures.ts';
