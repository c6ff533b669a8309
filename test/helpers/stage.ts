import { type OperatorFunction, from, lastValueFrom, toArray } from 'rxjs';
import type { StreamItem } from '../../src/pipeline/items.ts';

/** Runs one pipeline operator over scripted frames and collects everything it emits, in order. */
export function runStage(
  operator: OperatorFunction<StreamItem, StreamItem>,
  items: readonly StreamItem[],
): Promise<StreamItem[]> {
  return lastValueFrom(from(items).pipe(operator, toArray()));
}

/** The `type`s of the event frames among `frames`, in order (`binary` for audio). */
export function kinds(items: readonly StreamItem[]): string[] {
  return items.flatMap((f) =>
    f.kind === 'event' ? [f.message.type] : f.kind === 'binary' ? ['binary'] : [],
  );
}
