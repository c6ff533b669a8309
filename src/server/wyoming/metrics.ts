import { Counter, Gauge, type MetricsRegistry } from '../../metrics/index.ts';

/**
 * The Wyoming endpoint's metrics, in the server's one registry (`GET /metrics`) beside the WebSocket side's,
 * with `transport="wyoming"` on each so a dashboard can put the two transports side by side. Stage timings of
 * its speech-to-text requests go to the shared `voxstream_stage_ms` with the same label.
 */
export class WyomingMetrics {
  readonly requests: Counter;
  readonly connections: Counter;
  readonly refused: Counter;
  readonly errors: Counter;

  private readonly openCounts = new Set<() => number>();

  /** The metrics in `registry`, added once however many endpoints share it; `open` counts one endpoint's connections. */
  static in(registry: MetricsRegistry, open: () => number): WyomingMetrics {
    let metrics = registered.get(registry);
    if (!metrics) registered.set(registry, (metrics = new WyomingMetrics(registry)));
    metrics.openCounts.add(open);
    return metrics;
  }

  private constructor(registry: MetricsRegistry) {
    this.requests = registry.add(
      new Counter(
        'voxstream_wyoming_requests_total',
        'Wyoming requests by kind (describe, transcribe, recognize, synthesize, synthesize_stream)',
      ),
    );
    this.connections = registry.add(
      new Counter('voxstream_wyoming_connections_total', 'Wyoming connections by how they ended'),
    );
    this.refused = registry.add(
      new Counter('voxstream_wyoming_refused_total', 'Wyoming connections refused, by reason'),
    );
    this.errors = registry.add(
      new Counter('voxstream_wyoming_errors_total', 'Wyoming error events sent, by code'),
    );
    registry.add(
      new Gauge('voxstream_wyoming_connections', 'Open Wyoming connections', () =>
        [...this.openCounts].reduce((n, open) => n + open(), 0),
      ),
    );
  }

  /** Counts one request of `kind` (describe, transcribe, recognize, synthesize, synthesize_stream). */
  count(kind: string): void {
    this.requests.inc({ kind, ...WyomingMetrics.transport });
  }

  /** The labels every Wyoming metric carries. */
  static readonly transport = { transport: 'wyoming' } as const;
}

const registered = new WeakMap<MetricsRegistry, WyomingMetrics>();
