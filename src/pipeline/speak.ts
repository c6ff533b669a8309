import { Observable, type OperatorFunction } from 'rxjs';
import type { SessionClock } from '../metrics/index.ts';
import type { AudioEncoding } from '../protocol/index.ts';
import { splitSentences } from '../tts/index.ts';
import { ReplyEncoder } from './encodeReply.ts';
import { type StreamItem, event } from './items.ts';

/** Synthesizes text to 16-bit PCM, at `sampleRate` where it can (the encoder resamples what is not). */
export interface SpeechSynthesizer {
  synthesize(
    text: string,
    signal?: AbortSignal,
    sampleRate?: number,
  ): Promise<{ sampleRate: number; pcm: Int16Array }>;
}

/** Spoken reply settings of a session. */
export interface SpeakOptions {
  /** Speak replies; when false only the text `reply` event is sent. */
  enabled: boolean;
  encoding: AudioEncoding;
  sampleRate: number;
}

/**
 * Speaks each `reply` sentence by sentence as it is synthesized (`tts_start`, binary chunks, `tts_end`),
 * timing `firstAudio` and `tts` on the session clock, then passes a `replyDone` item on. Barge-in: when a new utterance
 * starts (or the client cancels) while a reply is being made or is still playing at the client, the reply
 * stops and `tts_interrupted` is sent. The stage completes after the last reply is finished.
 */
export function speak(
  tts: SpeechSynthesizer,
  clock: SessionClock,
  options: SpeakOptions,
): OperatorFunction<StreamItem, StreamItem> {
  return (source) =>
    new Observable<StreamItem>((subscriber) => {
      let active: { utterance: number; abort: AbortController } | null = null;
      /** Wall time until which audio already sent is still playing at the client (if played on arrival). */
      let playingUntil = 0;
      let playingUtterance = 0;
      let sourceDone = false;

      const interrupt = () => {
        const now = performance.now();
        if (active) {
          active.abort.abort();
          subscriber.next(event({ type: 'tts_interrupted', utterance: active.utterance }));
          active = null;
        } else if (now < playingUntil) {
          subscriber.next(event({ type: 'tts_interrupted', utterance: playingUtterance }));
        }
        playingUntil = 0;
      };

      // The utterance's stage timings are complete once its reply is: reportMetrics sends them on.
      const finished = (utterance: number, speechEndMs: number) =>
        subscriber.next({ kind: 'replyDone', utterance, speechEndMs });

      const say = async (utterance: number, text: string, speechEndWall: number, abort: AbortController) => {
        const encoder = new ReplyEncoder(options.encoding, options.sampleRate);
        let bytes = 0;
        let started = false;
        const send = (chunks: Uint8Array[]) => {
          for (const chunk of chunks) {
            if (!started) {
              started = true;
              clock.mark(utterance, 'firstAudio', performance.now() - speechEndWall);
              playingUntil = performance.now();
              subscriber.next(
                event({
                  type: 'tts_start',
                  utterance,
                  encoding: options.encoding,
                  sampleRate: options.sampleRate,
                }),
              );
            }
            bytes += chunk.byteLength;
            subscriber.next({ kind: 'binary', bytes: chunk });
          }
        };
        try {
          for (const sentence of splitSentences(text)) {
            const t0 = performance.now();
            const speech = await tts.synthesize(sentence, abort.signal, options.sampleRate);
            if (abort.signal.aborted) return;
            if (!started) clock.mark(utterance, 'tts', performance.now() - t0);
            send(encoder.push(speech.pcm, speech.sampleRate));
            playingUntil =
              Math.max(playingUntil, performance.now()) + (speech.pcm.length / speech.sampleRate) * 1000;
          }
          send(encoder.flush());
          if (started) subscriber.next(event({ type: 'tts_end', utterance, bytes }));
        } catch (error) {
          if (abort.signal.aborted) return;
          const message = `reply synthesis failed: ${(error as Error).message}`;
          subscriber.next(event({ type: 'error', code: 'VX_TTS_FAILED', message, fatal: false, utterance }));
        }
        playingUtterance = utterance;
      };

      const sub = source.subscribe({
        next(item) {
          if (item.kind === 'utteranceStart' || item.kind === 'flush') {
            interrupt();
            subscriber.next(item);
            return;
          }
          if (item.kind !== 'reply') {
            subscriber.next(item);
            return;
          }
          const speechEndMs = item.speechEndMs;
          if (!options.enabled || item.text === '') {
            finished(item.utterance, speechEndMs);
            return;
          }
          const abort = new AbortController();
          active = { utterance: item.utterance, abort };
          void say(item.utterance, item.text, item.speechEndWall, abort).then(() => {
            if (active?.abort === abort) active = null;
            if (!abort.signal.aborted) finished(item.utterance, speechEndMs);
            if (sourceDone && !active) subscriber.complete();
          });
        },
        error: (e) => subscriber.error(e),
        complete() {
          sourceDone = true;
          if (!active) subscriber.complete();
        },
      });
      return () => {
        active?.abort.abort();
        active = null;
        sub.unsubscribe();
      };
    });
}
