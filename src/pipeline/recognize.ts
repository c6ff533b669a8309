import { Observable, type OperatorFunction, type Subject } from 'rxjs';
import type { UtteranceRecognizer } from '../asr/index.ts';
import { VoxError } from '../protocol/index.ts';
import { concatMapBounded } from './concatMapBounded.ts';
import { type StreamItem, event } from './items.ts';

/** Streaming recognition and endpointing settings. */
export interface RecognizeOptions {
  /** Send `partial` transcripts: every 160 ms chunk while speech goes on, and whenever the text changes. Default true. */
  partials: boolean;
  /**
   * Early endpoint: trailing silence (ms) after which an utterance ends at once if its best path is a
   * complete command that the context does not allow to go on, with a likelihood ratio of at least
   * `earlyMinRatio`. Default 96 (three VAD windows).
   */
  earlySilenceMs: number;
  /** The same for a complete command that could still go on ("turn on the lights" … "in the kitchen"). Default 320. */
  extendableSilenceMs: number;
  /** The recognizer's confidence statistic (`ratio()`) a complete command needs for an early endpoint. Default -0.6. */
  earlyMinRatio: number;
  /**
   * The same for a complete command below `earlyMinRatio` (it will likely be answered "not understood"): ends
   * the utterance after this much trailing silence rather than the segmenter's `endSilenceMs` (700), so that a
   * doubtful answer is not also a slow one. Default 320, as for a command that could go on (the CMU path sets
   * 160: src/runtime/cmuBackend.ts `cmuRecognizeDefaults`).
   */
  lowConfidenceSilenceMs: number;
  /**
   * How far (nats) the best complete command may trail the best path of all and still count as the utterance's
   * end, where the two have the same words: the best path is then still inside the command's last phone, which
   * in noise can go on taking in the noise after a word (an "s" after "yes") for hundreds of ms while the
   * complete path, one state further, trails it by a few nats. 0: only when the complete path is the best of
   * all (default here, and the CMU path's rule before 2026-12-02; its margin is in src/runtime/cmuBackend.ts).
   */
  sameWordsMarginNats: number;
  /** Feature chunks that may wait for the acoustic model before the session is failed. Default 64 (10 s). */
  maxQueuedChunks: number;
  /**
   * Trailing silence (ms) after a complete command from which the recognizer's second pass starts ahead of the
   * utterance's end ({@link UtteranceRecognizer.finishAhead}) and is carried on over the rest, so that the wait
   * for the endpoint hides most of it; speech again drops it. null: the second pass starts when the utterance
   * ends (default). Its mean leaves out the pause after the start, so it is not quite the same pass: at 96 ms,
   * held out, Speech Commands 1,604 → 1,603 of 2,058 right and speechocean762 242 → 243 of 402, the same false
   * acceptance, but 3 more speechocean762 sentences accepted as another sentence (5 instead of 2), so it stays
   * off (docs/real-speech/first-pass-stands/).
   */
  aheadSilenceMs: number | null;
}

export const defaultRecognizeOptions: RecognizeOptions = {
  partials: true,
  earlySilenceMs: 96,
  extendableSilenceMs: 320,
  earlyMinRatio: -0.6,
  lowConfidenceSilenceMs: 320,
  sameWordsMarginNats: 0,
  maxQueuedChunks: 64,
  aheadSilenceMs: null,
};

/**
 * Runs the recognizer on each utterance's feature chunks, in order: `partial` events while speech goes on,
 * and one `recognized` item (plus `speech_end` and `final` events) when the utterance ends — by the
 * segmenter's silence rule, a stop, or this stage's early endpoint, which it reports on `endpoints` so the
 * segmenter stops feeding that utterance. A cancelled utterance ends with a `VX_CANCELLED` error.
 */
export function recognize(
  recognizer: UtteranceRecognizer,
  endpoints: Subject<number>,
  options: Partial<RecognizeOptions> = {},
): OperatorFunction<StreamItem, StreamItem> {
  const o = { ...defaultRecognizeOptions, ...options };
  let current = 0;
  let done = true;
  let lastPartial = '';
  /** Audio time up to which the decoder has seen features, ms. */
  let decodedMs = 0;

  /** Whether the utterance can end now: a complete command, and enough silence after it for its kind. */
  const complete = (silenceMs: number): boolean => {
    const partial = recognizer.partial();
    const best = recognizer.finals()[0];
    if (!partial || !best) return false;
    const margin = sameWords(best.words, partial.words) ? o.sameWordsMarginNats : 0;
    if (best.score < partial.score - margin - 1e-6) return false;
    if (recognizer.ratio(best) < o.earlyMinRatio) return silenceMs >= o.lowConfidenceSilenceMs;
    return silenceMs >= (best.extendable ? o.extendableSilenceMs : o.earlySilenceMs);
  };

  /** Starts the second pass ahead once a complete command is followed by a pause; drops it on speech. */
  const ahead = (silenceMs: number): void => {
    if (o.aheadSilenceMs === null) return;
    if (silenceMs === 0) recognizer.dropAhead?.();
    else if (silenceMs >= o.aheadSilenceMs && recognizer.finals().length > 0) recognizer.finishAhead?.();
  };

  const finish = async (
    utterance: number,
    speechEndMs: number,
    reason: 'silence' | 'endpoint' | 'maxLength' | 'stop',
  ): Promise<StreamItem[]> => {
    done = true;
    try {
      await recognizer.finish?.();
    } catch {
      // A failed second pass leaves the first pass's result, which stands on its own.
    }
    const result = recognizer.result();
    const best = result.hypotheses[0] ?? result.partial;
    return [
      event({ type: 'speech_end', utterance, atMs: Math.round(speechEndMs) }),
      event({
        type: 'final',
        utterance,
        text: (best?.words ?? []).join(' '),
        ...(result.denoised ? { denoised: true as const } : {}),
      }),
      { kind: 'recognized', utterance, result, speechEndMs, reason },
    ];
  };

  return (source: Observable<StreamItem>) =>
    source.pipe(
      concatMapBounded<StreamItem, StreamItem>(
        async (item) => {
          switch (item.kind) {
            case 'utteranceStart':
              recognizer.reset();
              decodedMs = 0;
              current = item.utterance;
              done = false;
              lastPartial = '';
              return [item];
            case 'features': {
              if (item.utterance !== current || done) return [];
              try {
                await recognizer.push(item.feats, item.frames, item.side, item.pcm);
              } catch (error) {
                // The utterance ends with this error (accounted for), the session keeps listening.
                done = true;
                const message = `recognition failed: ${(error as Error).message}`;
                return [
                  event({
                    type: 'error',
                    code: 'VX_INFERENCE_FAILED',
                    message,
                    fatal: false,
                    utterance: current,
                  }),
                ];
              }
              const out: StreamItem[] = [];
              const partial = recognizer.partial();
              const text = (partial?.words ?? []).join(' ');
              // Every chunk while speech goes on (a steady 160 ms heartbeat of progress), and on any change.
              if (o.partials && text && (text !== lastPartial || item.silenceMs === 0)) {
                out.push(event({ type: 'partial', utterance: current, text, atMs: Math.round(item.endMs) }));
                lastPartial = text;
              }
              decodedMs = item.endMs;
              ahead(item.silenceMs);
              if (complete(item.silenceMs)) {
                endpoints.next(current);
                out.push(...(await finish(current, item.endMs - item.silenceMs, 'endpoint')));
              }
              return out;
            }
            case 'tick':
              // Between chunks: the decoder must already have seen where the speech ended.
              if (item.utterance !== current || done || decodedMs < item.endMs - item.silenceMs) return [];
              ahead(item.silenceMs);
              if (!complete(item.silenceMs)) return [];
              endpoints.next(current);
              return finish(current, item.endMs - item.silenceMs, 'endpoint');
            case 'utteranceEnd':
              if (item.utterance !== current || done) return [];
              if (item.reason === 'cancel') {
                // Ended, not answered: the error is the utterance's one ending, so the client can account for it.
                done = true;
                return [
                  event({
                    type: 'error',
                    code: 'VX_CANCELLED',
                    message: 'utterance cancelled',
                    fatal: false,
                    utterance: current,
                  }),
                ];
              }
              return finish(current, item.speechEndMs, item.reason === 'endpoint' ? 'endpoint' : item.reason);
            default:
              return [item];
          }
        },
        o.maxQueuedChunks,
        () =>
          new VoxError(
            'VX_BACKPRESSURE',
            `more than ${o.maxQueuedChunks} audio chunks waiting for recognition`,
          ),
        // A cancelled utterance's queued chunks are moot: its end overtakes them.
        {
          overtakes: (item) => item.kind === 'utteranceEnd' && item.reason === 'cancel',
          drops: (queued, end) =>
            (queued.kind === 'features' || queued.kind === 'tick') &&
            end.kind === 'utteranceEnd' &&
            queued.utterance === end.utterance,
        },
      ),
    );
}

function sameWords(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}
