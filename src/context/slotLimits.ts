/**
 * What one session may add to a context with `start.slots`: every value it gives is compiled into a graph of
 * its own (tens of ms of CPU and about 10 kB of memory per value), so the values are bounded in number and size.
 */
export interface SlotLimits {
  /** Values one slot type may be given. Default 100. */
  valuesPerSlot: number;
  /** Characters of one value. Default 64. */
  charsPerValue: number;
  /** All of a session's values together, bytes of UTF-8. Default 4096. */
  totalBytes: number;
}

/** Defaults of {@link SlotLimits}. */
export const defaultSlotLimits: Readonly<SlotLimits> = {
  valuesPerSlot: 100,
  charsPerValue: 64,
  totalBytes: 4096,
};

/** Validates limits given as options; throws TypeError naming the bad field after `label`. */
export function checkSlotLimits(limits: SlotLimits, label: string): void {
  if (typeof limits !== 'object' || limits === null) throw new TypeError(`${label} must be an object`);
  for (const [name, max] of [
    ['valuesPerSlot', 100_000],
    ['charsPerValue', 10_000],
    ['totalBytes', 16 * 1024 * 1024],
  ] as const) {
    const v = limits[name];
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new TypeError(`${label}.${name} must be an integer in [1, ${max}], got ${String(v)}`);
  }
}

/**
 * Why run-time slot values are over the limits, or null when they are within them. Values that are not
 * strings are left to the value check, which names them.
 */
export function slotLimitExceeded(
  overrides: Readonly<Record<string, readonly unknown[]>>,
  limits: SlotLimits,
): string | null {
  let bytes = 0;
  for (const [slotType, values] of Object.entries(overrides)) {
    if (!Array.isArray(values)) continue;
    if (values.length > limits.valuesPerSlot)
      return `${values.length} values for '${slotType}', over the limit of ${limits.valuesPerSlot}`;
    for (const value of values) {
      if (typeof value !== 'string') continue;
      if (value.length > limits.charsPerValue)
        return `a value for '${slotType}' of ${value.length} characters, over the limit of ${limits.charsPerValue}`;
      bytes += Buffer.byteLength(value);
    }
  }
  return bytes > limits.totalBytes
    ? `${bytes} bytes of slot values, over the limit of ${limits.totalBytes}`
    : null;
}
