/** One load level's result, as the chart needs it. */
export interface ChartPoint {
  readonly sessions: number;
  readonly p50: number | null;
  readonly p95: number | null;
}

/**
 * A self-contained SVG line chart of speech end → intent latency (p50 and p95) against concurrent sessions,
 * with the budget as a dashed line.
 */
export function latencyChart(points: readonly ChartPoint[], budgetMs: number, title: string): string {
  const w = 720;
  const h = 400;
  const m = { l: 64, r: 24, t: 40, b: 48 };
  const maxX = Math.max(1, ...points.map((p) => p.sessions));
  const maxY = Math.max(budgetMs * 1.2, ...points.map((p) => p.p95 ?? 0)) * 1.05;
  const x = (v: number) => m.l + (v / maxX) * (w - m.l - m.r);
  const y = (v: number) => h - m.b - (v / maxY) * (h - m.t - m.b);
  const line = (key: 'p50' | 'p95') =>
    points
      .filter((p) => p[key] !== null)
      .map((p, i) => `${i ? 'L' : 'M'}${x(p.sessions).toFixed(1)},${y(p[key] as number).toFixed(1)}`)
      .join(' ');
  const ticks = (n: number, max: number) => Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
  const esc = (s: string) =>
    s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] as string);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${w / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>
${ticks(5, maxY)
  .map(
    (v) =>
      `<line x1="${m.l}" x2="${w - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>`,
  )
  .join('\n')}
${points.map((p) => `<text x="${x(p.sessions)}" y="${h - m.b + 16}" text-anchor="middle">${p.sessions}</text>`).join('\n')}
<line x1="${m.l}" x2="${w - m.r}" y1="${y(budgetMs)}" y2="${y(budgetMs)}" stroke="#c00" stroke-dasharray="6 4"/>
<text x="${w - m.r}" y="${y(budgetMs) - 6}" text-anchor="end" fill="#c00">budget ${budgetMs} ms</text>
<path d="${line('p50')}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<path d="${line('p95')}" fill="none" stroke="#ff7f0e" stroke-width="2"/>
${points.map((p) => (p.p95 === null ? '' : `<circle cx="${x(p.sessions)}" cy="${y(p.p95)}" r="3" fill="#ff7f0e"/>`)).join('')}
${points.map((p) => (p.p50 === null ? '' : `<circle cx="${x(p.sessions)}" cy="${y(p.p50)}" r="3" fill="#1f77b4"/>`)).join('')}
<text x="${w / 2}" y="${h - 10}" text-anchor="middle">concurrent real-time sessions</text>
<text x="16" y="${h / 2}" text-anchor="middle" transform="rotate(-90 16 ${h / 2})">speech end → intent, ms</text>
<rect x="${m.l + 10}" y="${m.t}" width="10" height="3" fill="#1f77b4"/><text x="${m.l + 26}" y="${m.t + 5}">p50</text>
<rect x="${m.l + 60}" y="${m.t}" width="10" height="3" fill="#ff7f0e"/><text x="${m.l + 76}" y="${m.t + 5}">p95</text>
</svg>
`;
}
