import { describe, expect, it } from 'vitest';
import { runAbuse } from '../../scripts/abuse.ts';

/**
 * A small seeded run of scripts/abuse.ts against a real server in a child process, kept light (the suite
 * shares two cores): 20 voice names, 10 sessions with their own slot values, a 1.5 s idle timeout. Latency
 * is checked loosely here (the canary against three times its own quiet level); the script's own run reports
 * the figures against the budget.
 */
describe('abuse', () => {
  it('bounds what voice names, slot values, idle and undecodable input cost, and tells no path', async () => {
    const report = await runAbuse({
      voices: 20,
      floodSessions: 10,
      idleTimeoutMs: 1500,
      quietUtterances: 2,
      canaryBudgetMs: 10_000,
      canaryStallFactor: 3,
      seed: 16,
    });
    expect(report.failures).toEqual([]);
    expect(report.voices['VX_BAD_VOICE']).toBeGreaterThan(0);
    expect(report.slots['refusedOverLimit']).toBe(1);
    expect(report.badFrames['fatalCode']).toBe('VX_BAD_AUDIO');
    expect(report.paths.errors).toBeGreaterThan(20);
    expect(report.ledger['balanced']).toBe(true);
    expect(report.ok).toBe(true);
  }, 240_000);
});
