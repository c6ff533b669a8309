import { describe, expect, it } from 'vitest';
import { SessionClock } from '../../src/metrics/index.ts';
import { type StreamItem, event } from '../../src/pipeline/items.ts';
import { reportMetrics } from '../../src/pipeline/reportMetrics.ts';
import type { UtteranceMetrics } from '../../src/protocol/index.ts';
import { kinds, runStage } from '../helpers/stage.ts';

describe('reportMetrics', () => {
  it("sends an utterance's stage timings, and one budget_exceeded per stage over its budget, when its reply is done", async () => {
    const clock = new SessionClock();
    clock.mark(1, 'intent', 120);
    clock.mark(1, 'tts', 260);
    clock.mark(1, 'custom', 5);
    const seen: UtteranceMetrics[] = [];
    const reply: StreamItem = {
      kind: 'reply',
      utterance: 1,
      text: 'ok',
      speechEndWall: 0,
      speechEndMs: 1234.4,
    };
    const out = await runStage(
      reportMetrics(clock, { intent: 300, tts: 200 }, (m) => seen.push(m)),
      [
        event({ type: 'speech_start', utterance: 1, atMs: 480 }),
        reply,
        { kind: 'replyDone', utterance: 1, speechEndMs: 1234.4 },
      ],
    );
    // Other items pass through untouched, first.
    expect(out[1]).toBe(reply);
    expect(kinds(out)).toEqual(['speech_start', 'budget_exceeded', 'metrics']);
    const exceeded = out[2]?.kind === 'event' ? out[2].message : null;
    expect(exceeded).toMatchObject({
      type: 'budget_exceeded',
      utterance: 1,
      stage: 'tts',
      ms: 260,
      budgetMs: 200,
    });
    expect(seen).toEqual([
      {
        utterance: 1,
        speechStartMs: 480,
        speechEndMs: 1234,
        stages: { intent: 120, tts: 260, custom: 5 },
        budgets: { intent: 300, tts: 200 },
        exceeded: ['tts'],
      },
    ]);
    // Taken: the clock forgets the utterance.
    expect(clock.take(1)).toEqual({});
  });

  it('reports an utterance with no timings as empty metrics', async () => {
    const out = await runStage(reportMetrics(new SessionClock(), { intent: 300 }), [
      { kind: 'replyDone', utterance: 7, speechEndMs: 10 },
    ]);
    expect(kinds(out)).toEqual(['metrics']);
  });
});
