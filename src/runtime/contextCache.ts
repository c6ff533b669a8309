interface Entry<T> {
  readonly value: Promise<T>;
  /** Estimated size once resolved; 0 while it is being made. */
  bytes: number;
  pinned: boolean;
}

/**
 * Compiled contexts by key, bounded in bytes rather than entries (a context with a thousand slot values is
 * a hundred times the size of one with ten): once the estimated sizes of the resolved entries pass `maxBytes`,
 * the least recently used go first. Pinned entries (the default context, contexts served from a folder) are
 * never evicted and are not counted. A value that rejects is dropped, so the next request tries again.
 */
export class ContextCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private total = 0;

  constructor(
    /** Most bytes the unpinned entries may hold together. */
    readonly maxBytes: number,
    private readonly sizeOf: (value: T) => number,
  ) {}

  /** Estimated bytes held by unpinned entries. */
  get bytes(): number {
    return this.total;
  }

  /** Entries held, pinned or not, resolved or not. */
  get size(): number {
    return this.entries.size;
  }

  /** The entry for `key`, counted as the most recently used. */
  get(key: string): Promise<T> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keys held, least recently used first. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Adds (or replaces) `key`; it is counted, and older entries evicted, once `value` resolves. */
  set(key: string, value: Promise<T>, pinned = false): void {
    this.delete(key);
    const entry: Entry<T> = { value, bytes: 0, pinned };
    this.entries.set(key, entry);
    value.then(
      (resolved) => {
        if (this.entries.get(key) !== entry) return;
        entry.bytes = this.sizeOf(resolved);
        if (!entry.pinned) this.total += entry.bytes;
        this.evict();
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
  }

  /** Keeps `key` whatever the budget (and stops counting it); false when it is not held. */
  pin(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (!entry.pinned) this.total -= entry.bytes;
    entry.pinned = true;
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (!entry.pinned) this.total -= entry.bytes;
    this.entries.delete(key);
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.maxBytes) return;
      if (!entry.pinned && entry.bytes > 0) this.delete(key);
    }
  }
}
