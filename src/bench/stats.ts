/** Percentile by nearest rank; null for no finite values. */
export function percentile(values: readonly number[], p: number): number | null {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const v = s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
  return Math.round(v * 10) / 10;
}

/** p50/p95/p99 and the count. */
export function summary(values: readonly number[]): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  n: number;
} {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    n: values.filter(Number.isFinite).length,
  };
}

/** Sum and count of one Prometheus histogram series, read from /metrics text. */
export function histogramTotals(text: string, name: string, label: string): { sum: number; count: number } {
  const read = (suffix: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}_${suffix}{${label}}`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  return { sum: read('sum'), count: read('count') };
}

/** Value of an unlabelled gauge in Prometheus text, or null when it is missing. */
export function gaugeValue(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : null;
}
