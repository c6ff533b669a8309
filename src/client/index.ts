export { ClientError, type ClientErrorCode } from './errors.ts';
export {
  serverMessageTypes,
  type AudioEvent,
  type BadMessageEvent,
  type ClientEvent,
  type ErrorMessage,
  type FailoverEvent,
  type ReadyMessage,
  type Received,
  type ReceivedMessage,
} from './events.ts';
export { defaultVoxClientOptions, type VoxClientOptions } from './clientOptions.ts';
export { VoxClient, type CloseInfo } from './voxClient.ts';
export {
  CHUNK_MS,
  defaultAudioSourceOptions,
  prepareAudio,
  streamAudio,
  type AudioChunks,
  type AudioSink,
  type AudioSourceOptions,
  type StreamAudioOptions,
  type StreamAudioResult,
} from './audioSource.ts';
export { ReplyAudio, ReplyRecorder, writeReplyWavs } from './replyAudio.ts';
export { EventPrinter, type EventPrinterOptions, type ObservedLatency } from './eventPrinter.ts';
export { runSession, type RunSessionOptions, type SessionAudio, type SessionOutcome } from './runSession.ts';
export { FailoverClient, defaultFailoverOptions, type FailoverOptions } from './failoverClient.ts';
export {
  UnacknowledgedAudio,
  defaultUnacknowledgedAudioOptions,
  type Resend,
  type UnacknowledgedAudioOptions,
} from './unacknowledgedAudio.ts';
export { WyomingClient } from './wyomingClient.ts';
