import { describe, expect, it } from 'vitest';
import { runSoak } from '../../scripts/soak.ts';

/**
 * One minute of scripts/soak.ts, kept light (the suite shares two cores): three sessions at most, one new
 * one every two seconds, speaking in real time.
 */
describe('soak', () => {
  it('loses no utterance, leaves nothing open and does not grow over a minute of sessions', async () => {
    const report = await runSoak({ sessions: 3, rate: 0.5, durationMs: 60_000, sampleMs: 5000, seed: 3 });
    expect(report.failures).toEqual([]);
    expect(report.sessionsRun).toBeGreaterThanOrEqual(10);
    expect(report.endings.stopped).toBeGreaterThan(0);
    expect(report.endings.cancelled + report.endings.disconnected).toBeGreaterThan(0);
    expect(report.server?.['accepted']).toBeGreaterThan(0);
    expect(report.ok).toBe(true);
  }, 180_000);
});
