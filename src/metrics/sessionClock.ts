/**
 * Maps a session's audio time to the wall time at which that audio arrived, and collects each utterance's
 * stage timings. Wall times are `performance.now()` milliseconds.
 */
export class SessionClock {
  /** (audio end ms, arrival wall ms) of recent ingest frames, oldest first; bounded. */
  private readonly arrivals: [number, number][] = [];
  private readonly stages = new Map<number, Map<string, number>>();
  private static readonly keep = 2000;

  /** Audio time received so far, ms. */
  get receivedMs(): number {
    return this.arrivals.at(-1)?.[0] ?? 0;
  }

  /** Notes that audio up to `audioEndMs` arrived at `wallMs`. */
  arrived(audioEndMs: number, wallMs: number = performance.now()): void {
    this.arrivals.push([audioEndMs, wallMs]);
    // Trimmed in bulk so that each arrival costs O(1) amortised.
    if (this.arrivals.length > 2 * SessionClock.keep) this.arrivals.splice(0, SessionClock.keep);
  }

  /** Wall time at which the audio at `audioMs` had arrived (the first frame that reached it). */
  wallAt(audioMs: number): number {
    let lo = 0;
    let hi = this.arrivals.length - 1;
    if (hi < 0) return performance.now();
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.arrivals[mid] as [number, number])[0] >= audioMs) hi = mid;
      else lo = mid + 1;
    }
    return (this.arrivals[lo] as [number, number])[1];
  }

  /** Records one stage's time for an utterance, ms. */
  mark(utterance: number, stage: string, ms: number): void {
    let s = this.stages.get(utterance);
    if (!s) this.stages.set(utterance, (s = new Map()));
    s.set(stage, Math.round(ms * 10) / 10);
  }

  /** The utterance's stage timings, forgotten afterwards. */
  take(utterance: number): Record<string, number> {
    const s = this.stages.get(utterance);
    this.stages.delete(utterance);
    return s ? Object.fromEntries(s) : {};
  }
}
