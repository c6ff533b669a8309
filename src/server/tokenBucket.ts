/**
 * A token bucket: `capacity` units at most, refilled at `ratePerMs` units per millisecond. A session's audio
 * allowance is one of these in milliseconds of audio (refilled in real time, the burst as capacity); its
 * control-message allowance counts messages. Starts full.
 */
export class TokenBucket {
  private level: number;
  private last: number;

  constructor(
    readonly ratePerMs: number,
    readonly capacity: number,
    now: number = performance.now(),
  ) {
    this.level = capacity;
    this.last = now;
  }

  /** Takes `amount` if there is that much; returns whether it did (taking nothing otherwise). */
  take(amount: number, now: number = performance.now()): boolean {
    this.level = Math.min(this.capacity, this.level + Math.max(0, now - this.last) * this.ratePerMs);
    this.last = now;
    if (amount > this.level) return false;
    this.level -= amount;
    return true;
  }
}
