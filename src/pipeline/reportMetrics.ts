import { type OperatorFunction, concatMap, of } from 'rxjs';
import type { SessionClock } from '../metrics/index.ts';
import type { UtteranceMetrics } from '../protocol/index.ts';
import { type StreamItem, event } from './items.ts';

/**
 * Ends each utterance's accounting when its reply is done (a `replyDone` item): takes its stage timings from
 * the session clock, sends a `budget_exceeded` event per stage over its budget and then the `metrics` event,
 * and hands the metrics to `onMetrics` (the server's /metrics). Every other item passes through.
 *
 * @param budgets stage budgets in ms (`intent`, `firstAudio`, `asr`, `fusion`, `tts`); stages without one are
 *   reported but never exceeded
 */
export function reportMetrics(
  clock: SessionClock,
  budgets: Readonly<Record<string, number>>,
  onMetrics: (metrics: UtteranceMetrics) => void = () => {},
): OperatorFunction<StreamItem, StreamItem> {
  return concatMap((item) => {
    if (item.kind !== 'replyDone') return of(item);
    const { utterance } = item;
    const stages = clock.take(utterance);
    const exceeded = Object.keys(stages).filter(
      (stage) => budgets[stage] !== undefined && (stages[stage] as number) > (budgets[stage] as number),
    );
    const metrics: UtteranceMetrics = {
      utterance,
      speechStartMs: 0,
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
