import { Observable, type OperatorFunction } from 'rxjs';
import { type StreamItem, type WindowItem, event } from './items.ts';
import { modelSamplesToMs } from '../audio/index.ts';

/** Utterance segmentation settings, in milliseconds. */
export interface SegmentOptions {
  /** Audio kept from before speech turned on and sent with the utterance. Default 320. */
  preRollMs: number;
  /** Trailing silence that ends an utterance when nothing ended it sooner. Default 700. */
  endSilenceMs: number;
  /** Longest utterance; speech past it is cut there (`VX_UTTERANCE_TOO_LONG`). Default 15000. */
  maxUtteranceMs: number;
}

export const defaultSegmentOptions: SegmentOptions = {
  preRollMs: 320,
  endSilenceMs: 700,
  maxUtteranceMs: 15_000,
};

/**
 * Cuts the VAD-marked windows into utterances: `utteranceStart` (with a `speech_start` event), the
 * utterance's audio (from `preRollMs` before speech turned on), and `utteranceEnd` after `endSilenceMs` of
 * silence, at `maxUtteranceMs`, on `flush` (cancel) or `end` (stop). Windows outside utterances are dropped.
 *
 * `endpoints` carries the ids of utterances that a later stage has already ended (early endpoint): the
 * segmenter stops feeding them at once and waits for silence before it opens the next one.
 */
export function segmentUtterances(
  endpoints: Observable<number>,
  options: Partial<SegmentOptions> = {},
): OperatorFunction<StreamItem, StreamItem> {
  const o = { ...defaultSegmentOptions, ...options };
  return (source) =>
    new Observable<StreamItem>((subscriber) => {
      const preRoll: WindowItem[] = [];
      let utterance = 0;
      let open = false;
      let startMs = 0;
      let lastSpeechEndMs = 0;
      let rearmed = true; // after an early endpoint, speech must pause before a new utterance opens

      const close = (reason: 'silence' | 'maxLength' | 'stop' | 'cancel') => {
        if (!open) return;
        open = false;
        subscriber.next({ kind: 'utteranceEnd', utterance, speechEndMs: lastSpeechEndMs, reason });
      };

      const endpointSub = endpoints.subscribe((id) => {
        if (open && id === utterance) {
          open = false;
          rearmed = false;
        }
      });

      const sub = source.subscribe({
        next(item) {
          if (item.kind === 'flush' || item.kind === 'end') {
            close(item.kind === 'flush' ? 'cancel' : 'stop');
            preRoll.length = 0;
            subscriber.next(item);
            return;
          }
          if (item.kind !== 'window') {
            subscriber.next(item);
            return;
          }
          const windowMs = modelSamplesToMs(item.pcm.length);
          if (!open) {
            if (!item.speaking) rearmed = true;
            preRoll.push(item);
            while (preRoll.length * windowMs > o.preRollMs + windowMs) preRoll.shift();
            if (!item.speaking || !rearmed) return;
            open = true;
            utterance++;
            startMs = (preRoll[0] as WindowItem).atMs;
            lastSpeechEndMs = item.atMs + windowMs;
            subscriber.next({ kind: 'utteranceStart', utterance, atMs: startMs });
            subscriber.next(event({ type: 'speech_start', utterance, atMs: Math.round(item.atMs) }));
            for (const w of preRoll) {
              subscriber.next({ kind: 'utteranceAudio', utterance, pcm: w.pcm, atMs: w.atMs, silenceMs: 0 });
            }
            preRoll.length = 0;
            return;
          }
          if (item.speaking) lastSpeechEndMs = item.atMs + windowMs;
          subscriber.next({
            kind: 'utteranceAudio',
            utterance,
            pcm: item.pcm,
            atMs: item.atMs,
            silenceMs: item.silenceMs,
          });
          if (item.silenceMs >= o.endSilenceMs) {
            close('silence');
          } else if (item.atMs + windowMs - startMs >= o.maxUtteranceMs) {
            subscriber.next(
              event({
                type: 'error',
                code: 'VX_UTTERANCE_TOO_LONG',
                message: `utterance longer than ${o.maxUtteranceMs} ms; ended there`,
                fatal: false,
                utterance,
              }),
            );
            close('maxLength');
            rearmed = false;
          }
        },
        error: (e) => subscriber.error(e),
        complete() {
          close('stop');
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        endpointSub.unsubscribe();
      };
    });
}
