export { Counter, Gauge, Histogram, MetricsRegistry, latencyBucketsMs } from './registry.ts';
export { ServerMetrics } from './serverMetrics.ts';
export { SessionClock } from './sessionClock.ts';
