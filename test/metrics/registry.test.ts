import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, MetricsRegistry, latencyBucketsMs } from '../../src/metrics/registry.ts';

/** A sample line of the Prometheus text format: name, optional {labels}, value. */
const sampleLine =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? -?[0-9.e+]+$/;

function expectValidExposition(text: string): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    expect(line).toMatch(sampleLine);
  }
}

describe('Counter', () => {
  it('renders 0 before anything is counted', () => {
    const c = new Counter('vx_things_total', 'Things seen');
    expect(c.render()).toBe(
      '# HELP vx_things_total Things seen\n# TYPE vx_things_total counter\nvx_things_total 0',
    );
    expect(c.get()).toBe(0);
  });

  it('counts by label set, whatever order the labels are given in', () => {
    const c = new Counter('vx_errors_total', 'Errors');
    c.inc({ code: 'VX_BAD_AUDIO' });
    c.inc({ stage: 'asr', code: 'VX_INFERENCE_FAILED' }, 2);
    c.inc({ code: 'VX_INFERENCE_FAILED', stage: 'asr' });
    c.inc();
    expect(c.get({ code: 'VX_INFERENCE_FAILED', stage: 'asr' })).toBe(3);
    expect(c.get({ code: 'VX_BAD_AUDIO' })).toBe(1);
    expect(c.get({ code: 'VX_OVERLOADED' })).toBe(0);
    expect(c.render().split('\n')).toEqual([
      '# HELP vx_errors_total Errors',
      '# TYPE vx_errors_total counter',
      'vx_errors_total{code="VX_BAD_AUDIO"} 1',
      'vx_errors_total{code="VX_INFERENCE_FAILED",stage="asr"} 3',
      'vx_errors_total 1',
    ]);
    expectValidExposition(c.render());
  });

  it('escapes backslashes, quotes and newlines in label values, keeping distinct values apart', () => {
    const c = new Counter('vx_refused_total', 'Refused');
    c.inc({ reason: 'said "no"' });
    c.inc({ reason: 'said _no_' });
    c.inc({ reason: 'C:\\path\nnext' });
    const lines = c.render().split('\n').slice(2);
    expect(lines).toEqual([
      'vx_refused_total{reason="said \\"no\\""} 1',
      'vx_refused_total{reason="said _no_"} 1',
      'vx_refused_total{reason="C:\\\\path\\nnext"} 1',
    ]);
    expect(c.get({ reason: 'said "no"' })).toBe(1);
    expectValidExposition(c.render());
  });
});

describe('Gauge', () => {
  it('reads its value each time it is rendered', () => {
    let sessions = 3;
    const g = new Gauge('vx_active_sessions', 'Open sessions', () => sessions);
    expect(g.render()).toBe(
      '# HELP vx_active_sessions Open sessions\n# TYPE vx_active_sessions gauge\nvx_active_sessions 3',
    );
    sessions = 0;
    expect(g.render().split('\n').at(-1)).toBe('vx_active_sessions 0');
  });
});

describe('Histogram', () => {
  it('renders cumulative buckets, +Inf, sum and count per label set', () => {
    const h = new Histogram('vx_stage_ms', 'Stage latency', [5, 10, 50]);
    for (const v of [3, 10, 12, 60]) h.observe(v, { stage: 'asr' });
    h.observe(5, { stage: 'tts' }); // on a bound: counted in that bucket
    expect(h.count({ stage: 'asr' })).toBe(4);
    expect(h.count({ stage: 'fusion' })).toBe(0);
    expect(h.render().split('\n')).toEqual([
      '# HELP vx_stage_ms Stage latency',
      '# TYPE vx_stage_ms histogram',
      'vx_stage_ms_bucket{stage="asr",le="5"} 1',
      'vx_stage_ms_bucket{stage="asr",le="10"} 2',
      'vx_stage_ms_bucket{stage="asr",le="50"} 3',
      'vx_stage_ms_bucket{stage="asr",le="+Inf"} 4',
      'vx_stage_ms_sum{stage="asr"} 85',
      'vx_stage_ms_count{stage="asr"} 4',
      'vx_stage_ms_bucket{stage="tts",le="5"} 1',
      'vx_stage_ms_bucket{stage="tts",le="10"} 1',
      'vx_stage_ms_bucket{stage="tts",le="50"} 1',
      'vx_stage_ms_bucket{stage="tts",le="+Inf"} 1',
      'vx_stage_ms_sum{stage="tts"} 5',
      'vx_stage_ms_count{stage="tts"} 1',
    ]);
    expectValidExposition(h.render());
  });

  it('renders without labels, and with the latency buckets by default', () => {
    const h = new Histogram('vx_wait_ms', 'Wait');
    expect(h.buckets).toEqual(latencyBucketsMs);
    expect(h.render()).toBe('# HELP vx_wait_ms Wait\n# TYPE vx_wait_ms histogram');
    h.observe(7);
    h.observe(7000);
    const lines = h.render().split('\n');
    expect(lines).toContain('vx_wait_ms_bucket{le="5"} 0');
    expect(lines).toContain('vx_wait_ms_bucket{le="10"} 1');
    expect(lines).toContain('vx_wait_ms_bucket{le="5000"} 1');
    expect(lines).toContain('vx_wait_ms_bucket{le="+Inf"} 2');
    expect(lines.slice(-2)).toEqual(['vx_wait_ms_sum 7007', 'vx_wait_ms_count 2']);
    // Buckets never decrease.
    const counts = lines.filter((l) => l.includes('_bucket')).map((l) => Number(l.split(' ').at(-1)));
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts).toHaveLength(latencyBucketsMs.length + 1);
  });
});

describe('MetricsRegistry', () => {
  it('renders its metrics in the order added, ending with a newline', () => {
    const registry = new MetricsRegistry();
    const c = registry.add(new Counter('a_total', 'A'));
    registry.add(new Gauge('b', 'B', () => 2));
    const h = registry.add(new Histogram('c_ms', 'C', [1]));
    c.inc();
    h.observe(0.5);
    expect(registry.render()).toBe(
      [
        '# HELP a_total A',
        '# TYPE a_total counter',
        'a_total 1',
        '# HELP b B',
        '# TYPE b gauge',
        'b 2',
        '# HELP c_ms C',
        '# TYPE c_ms histogram',
        'c_ms_bucket{le="1"} 1',
        'c_ms_bucket{le="+Inf"} 1',
        'c_ms_sum 0.5',
        'c_ms_count 1',
        '',
      ].join('\n'),
    );
    expectValidExposition(registry.render());
  });
});
