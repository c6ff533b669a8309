import { type OperatorFunction, from, lastValueFrom, toArray } from 'rxjs';
import type { Frame } from '../../src/pipeline/frames.ts';

/** Runs one pipeline operator over scripted frames and collects everything it emits, in order. */
export function runStage(
  operator: OperatorFunction<Frame, Frame>,
  items: readonly Frame[],
): Promise<Frame[]> {
  return lastValueFrom(from(items).pipe(operator, toArray()));
}

/** The `type`s of the event frames among `frames`, in order (`binary` for audio). */
export function kinds(frames: readonly Frame[]): string[] {
  return frames.flatMap((f) =>
    f.kind === 'event' ? [f.message.type] : f.kind === 'binary' ? ['binary'] : [],
  );
}
