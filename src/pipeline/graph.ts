import { type Observable, Subject, filter, finalize, tap } from 'rxjs';
import type { UtteranceRecognizer } from '../asr/index.ts';
import type { ContextGraph } from '../context/index.ts';
import type { SessionClock } from '../metrics/index.ts';
import type { AudioEncoding, UtteranceMetrics } from '../protocol/index.ts';
import { decodeAudio } from './decodeAudio.ts';
import { type Denoiser, denoiseAudio } from './denoiseAudio.ts';
import { type VoiceOptions, type VoiceScorer, detectVoice } from './detectVoice.ts';
import { type FeatureStream, extractFeatures } from './extractFeatures.ts';
import { windowAudio } from './windowAudio.ts';
import type { BinaryItem, EventItem, StreamItem } from './items.ts';
import { type RecognizeOptions, recognize } from './recognize.ts';
import { reportMetrics } from './reportMetrics.ts';
import { resampleAudio } from './resampleAudio.ts';
import { type SegmentOptions, segmentUtterances } from './segmentUtterances.ts';
import { type SpeakOptions, type SpeechSynthesizer, speak } from './speak.ts';
import { type CandidateScorer, type UnderstandOptions, understand } from './understand.ts';
import { MODEL_CONTRACT } from '../audio/index.ts';

/** Everything one session's graph is made of: its own stream state and the shared models behind it. */
export interface SessionGraphParts {
  readonly audio: { readonly encoding: AudioEncoding; readonly sampleRate: number };
  readonly vad: VoiceScorer;
  /** The session's noise suppressor, in front of the VAD and the acoustic model; absent: none. */
  readonly denoiser?: Denoiser | null;
  /** The session's feature extractor: the acoustic model's own front end. */
  readonly features: FeatureStream;
  readonly recognizer: UtteranceRecognizer;
  readonly context: ContextGraph;
  readonly scorer: CandidateScorer | null;
  readonly tts: SpeechSynthesizer;
  readonly clock: SessionClock;
  readonly speak: SpeakOptions;
  /** Stage budgets in ms (`intent`, `firstAudio`, `asr`, `fusion`, `tts`): overruns are reported. */
  readonly budgets: Readonly<Record<string, number>>;
  readonly voice?: Partial<VoiceOptions>;
  readonly segment?: Partial<SegmentOptions>;
  readonly recognize?: Partial<RecognizeOptions>;
  readonly understand?: Partial<UnderstandOptions>;
  readonly onMetrics?: (metrics: UtteranceMetrics) => void;
  /** Called with the audio time the VAD has reached, ms: how far processing is behind ingest. */
  readonly onProgress?: (audioMs: number) => void;
}

/**
 * One session's stream graph, from binary audio messages and control messages to what goes back on the socket:
 *
 *   ingest → decodeAudio → resampleAudio(16 kHz) → denoiseAudio (RNNoise, if on) → windowAudio(32 ms) → detectVoice
 *     → segmentUtterances
 *     → extractFeatures(160 ms chunks) → recognize (streaming acoustic model + grammar decoding, early endpoint)
 *     → understand (intent, slots, confidence, reply text) → speak (TTS, encode, barge-in)
 *     → reportMetrics (stage timings against the budgets)
 *
 * Control (`flush` for cancel, `end` for stop) travels in-band; events made by any stage ride along to the
 * end in order. The result completes after `end` once the last reply is sent.
 */
export function sessionGraph(
  input: Observable<StreamItem>,
  parts: SessionGraphParts,
): Observable<EventItem | BinaryItem> {
  const endpoints = new Subject<number>();
  const windows: Observable<StreamItem> = input.pipe(
    decodeAudio(parts.audio.encoding, parts.audio.sampleRate, parts.clock),
    resampleAudio(MODEL_CONTRACT.sampleRate),
    denoiseAudio(parts.denoiser ?? null),
    windowAudio(),
    detectVoice(parts.vad, parts.voice),
    tap((f) => {
      if (f.kind === 'window') parts.onProgress?.(f.atMs + 32);
    }),
  );
  const items: Observable<StreamItem> = windows.pipe(
    segmentUtterances(endpoints, parts.segment),
    extractFeatures(parts.features),
    recognize(parts.recognizer, endpoints, parts.recognize),
    understand(parts.context, parts.clock, parts.scorer, parts.understand),
    speak(parts.tts, parts.clock, parts.speak),
    reportMetrics(parts.clock, parts.budgets, parts.onMetrics),
  );
  return items.pipe(
    filter((f): f is EventItem | BinaryItem => f.kind === 'event' || f.kind === 'binary'),
    finalize(() => endpoints.complete()),
  );
}
