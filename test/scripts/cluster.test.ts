import { describe, expect, it } from 'vitest';
import { runClusterTest } from '../../scripts/cluster-test.ts';
import { haproxyVersion } from '../../scripts/cluster/processes.ts';

const haproxy = haproxyVersion();
if (haproxy === null)
  console.warn(
    'cluster test skipped: haproxy is not installed (apt-get install haproxy; .ci/run installs it)',
  );

/**
 * scripts/cluster-test.ts as it runs by hand, kept small (the suite shares two cores): three real backends
 * behind a real HAProxy, a bench through it and direct, a rolling restart and a SIGKILL under six speakers.
 */
describe.skipIf(haproxy === null)('cluster behind HAProxy', () => {
  it('spreads sessions, restarts every backend and survives a SIGKILL without losing or repeating an answer', async () => {
    const report = await runClusterTest({ speakers: 6, benchSessions: 6, benchSeconds: 8 });
    expect(report['failures']).toEqual([]);
    const rolling = report['rollingRestart'] as {
      clients: Record<string, number>;
      intentsReceived: number;
      completedByProcesses: number;
    };
    expect(rolling.clients['said']).toBeGreaterThan(10);
    expect(rolling.clients['lost']).toBe(0);
    expect(rolling.clients['answeredTwice']).toBe(0);
    expect(rolling.intentsReceived).toBe(rolling.completedByProcesses);
    const kill = report['sigkill'] as { movedSessions: number; clients: Record<string, number> };
    expect(kill.movedSessions).toBeGreaterThan(0);
    expect(kill.clients['answeredTwice']).toBe(0);
    expect(report['ok']).toBe(true);
    // About 130 s on the 2-core machine when it is quiet; more when other work shares it (195 s at a load
    // average of 8), hence the timeout above the 3 minutes it is meant to take.
  }, 240_000);
});
