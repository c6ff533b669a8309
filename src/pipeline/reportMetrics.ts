import { type OperatorFunction, concatMap, of } from 'rxjs';
import type { SessionClock } from '../metrics/index.ts';
import type { UtteranceMetrics } from '../protocol/index.ts';
import { type StreamItem, event } from './items.ts';

/**
 * Ends each utterance's accounting when its reply is done (a `replyDone` item): takes its stage timings from
 * the session clock, sends a `budget_exceeded` event per stage over its budget and then the `metrics` event,
 * and hands the metrics to `onMetrics` (the server's /metrics). Every other item passes through. The speech
 * start it reports is the utterance's `speech_start` event, which passes here before its `replyDone`.
 *
 * @param budgets stage budgets in ms (`intent`, `firstAudio`, `asr`, `fusion`, `tts`); stages without one are
 *   reported but never exceeded
 */
export function reportMetrics(
  clock: SessionClock,
  budgets: Readonly<Record<string, number>>,
  onMetrics: (metrics: UtteranceMetrics) => void = () => {},
): OperatorFunction<StreamItem, StreamItem> {
  /** Speech start of each utterance not yet reported, ms (from its `speech_start` event). */
  const speechStarts = new Map<number, number>();
  return concatMap((item) => {
    if (item.kind === 'event' && item.message.type === 'speech_start')
      speechStarts.set(item.message.utterance, item.message.atMs);
    if (item.kind !== 'replyDone') return of(item);
    const { utterance } = item;
    const speechStartMs = speechStarts.get(utterance) ?? 0;
    // Utterances before this one that never got a reply (cancelled, failed) are over too.
    for (const u of speechStarts.keys()) if (u <= utterance) speechStarts.delete(u);
    const stages = clock.take(utterance);
    const exceeded = Object.keys(stages).filter(
      (stage) => budgets[stage] !== undefined && (stages[stage] as number) > (budgets[stage] as number),
    );
    const metrics: UtteranceMetrics = {
      utterance,
      speechStartMs,
      speechEndMs: Math.round(item.speechEndMs),
      stages,
      budgets,
      exceeded,
    };
    onMetrics(metrics);
    return of(
      ...exceeded.map((stage) =>
        event({
          type: 'budget_exceeded',
          utterance,
          stage,
          ms: stages[stage] as number,
          budgetMs: budgets[stage] as number,
        }),
      ),
      event({ type: 'metrics', ...metrics }),
    );
  });
}
