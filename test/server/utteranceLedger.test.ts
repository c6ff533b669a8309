import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.ts';
import { TokenBucket } from '../../src/server/tokenBucket.ts';
import { type UtteranceOutcome, UtteranceLedger } from '../../src/server/utteranceLedger.ts';

function ledger() {
  const counts: Record<string, number> = {};
  const violations: ServerMessage[] = [];
  const l = new UtteranceLedger({
    accepted: () => (counts['accepted'] = (counts['accepted'] ?? 0) + 1),
    ended: (outcome: UtteranceOutcome) => (counts[outcome] = (counts[outcome] ?? 0) + 1),
    violation: (m) => violations.push(m),
  });
  return { l, counts, violations };
}

const start = (utterance: number): ServerMessage => ({ type: 'speech_start', utterance, atMs: 0 });
const intent = (utterance: number): ServerMessage => ({
  type: 'intent',
  utterance,
  understood: true,
  intent: 'x',
  slots: {},
  confidence: 1,
  transcript: '',
});
const error = (utterance: number, code: string): ServerMessage => ({
  type: 'error',
  code,
  message: '',
  fatal: false,
  utterance,
});

describe('UtteranceLedger', () => {
  it('counts each accepted utterance once by how it ended', () => {
    const { l, counts } = ledger();
    for (const u of [1, 2, 3, 4]) expect(l.admit(start(u))).toBe(true);
    expect(l.admit(intent(1))).toBe(true);
    expect(l.admit(error(2, 'VX_INFERENCE_FAILED'))).toBe(true);
    expect(l.admit(error(3, 'VX_CANCELLED'))).toBe(true);
    expect(l.openUtterances).toEqual([4]);
    expect(l.abandonAll()).toBe(1);
    expect(counts).toEqual({ accepted: 4, completed: 1, errored: 1, cancelled: 1, abandoned: 1 });
  });

  it('refuses a second ending and lets notices through without ending anything', () => {
    const { l, counts, violations } = ledger();
    l.admit(start(1));
    expect(l.admit(error(1, 'VX_UTTERANCE_TOO_LONG'))).toBe(true);
    expect(l.openUtterances).toEqual([1]);
    expect(l.admit(intent(1))).toBe(true);
    expect(l.admit(error(1, 'VX_TTS_FAILED'))).toBe(true);
    expect(l.admit(intent(1))).toBe(false);
    expect(l.admit(error(7, 'VX_INTERNAL'))).toBe(false);
    expect(violations.map((m) => m.type)).toEqual(['intent', 'error']);
    expect(counts).toEqual({ accepted: 1, completed: 1 });
    // Errors without an utterance are not about one.
    expect(l.admit({ type: 'error', code: 'VX_BAD_MESSAGE', message: '', fatal: false })).toBe(true);
  });

  it('knows when everything up to an utterance is answered and its reply done', () => {
    const { l } = ledger();
    l.admit(start(1));
    expect(l.settledUpTo(1)).toBe(false);
    l.admit(intent(1));
    expect(l.settledUpTo(1)).toBe(false); // its reply is still being spoken
    l.admit(start(2));
    l.admit({ type: 'tts_interrupted', utterance: 1 });
    expect(l.settledUpTo(1)).toBe(true);
    expect(l.settledUpTo(2)).toBe(false);
    expect(l.lastAccepted).toBe(2);
  });
});

describe('TokenBucket', () => {
  it('allows the burst, then the rate', () => {
    const b = new TokenBucket(1, 1000, 0); // 1 ms of audio per ms, 1 s burst
    expect(b.take(800, 0)).toBe(true);
    expect(b.take(300, 0)).toBe(false); // refused takes nothing
    expect(b.take(200, 0)).toBe(true);
    expect(b.take(100, 50)).toBe(false);
    expect(b.take(100, 100)).toBe(true);
    expect(b.take(1000, 10_000)).toBe(true); // refills up to the burst only
    expect(b.take(1, 10_000)).toBe(false);
  });
});
