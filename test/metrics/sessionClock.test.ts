import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionClock } from '../../src/metrics/sessionClock.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('SessionClock', () => {
  it('maps audio time to the wall time of the first frame that reached it', () => {
    const clock = new SessionClock();
    clock.arrived(32, 1000);
    clock.arrived(64, 1010);
    clock.arrived(96, 1050);
    expect(clock.receivedMs).toBe(96);
    expect(clock.wallAt(0)).toBe(1000);
    expect(clock.wallAt(32)).toBe(1000); // the first frame ends exactly there
    expect(clock.wallAt(32.5)).toBe(1010);
    expect(clock.wallAt(64)).toBe(1010);
    expect(clock.wallAt(65)).toBe(1050);
    expect(clock.wallAt(96)).toBe(1050);
    // Audio not received yet: the latest arrival is the best bound.
    expect(clock.wallAt(500)).toBe(1050);
  });

  it('agrees with a linear scan for many arrivals', () => {
    const clock = new SessionClock();
    const arrivals: [number, number][] = [];
    for (let i = 1; i <= 300; i++) {
      const end = i * 20 + (i % 7); // irregular frame ends
      arrivals.push([end, 5000 + i * 3]);
      clock.arrived(end, 5000 + i * 3);
    }
    for (let ms = 0; ms <= 6200; ms += 13) {
      const expected = (arrivals.find(([end]) => end >= ms) ?? arrivals.at(-1))?.[1];
      expect(clock.wallAt(ms)).toBe(expected);
    }
  });

  it('uses the current time before any audio has arrived, and as the default arrival time', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const clock = new SessionClock();
    expect(clock.receivedMs).toBe(0);
    vi.advanceTimersByTime(1234);
    expect(clock.wallAt(100)).toBe(1234);
    clock.arrived(32);
    vi.advanceTimersByTime(100);
    expect(clock.wallAt(10)).toBe(1234);
  });

  it('keeps a bounded history, forgetting the oldest arrivals', () => {
    const clock = new SessionClock();
    for (let i = 1; i <= 4001; i++) clock.arrived(i * 10, i);
    // Past 4000 arrivals the oldest 2000 go: the earliest audio now maps to arrival 2001.
    expect(clock.wallAt(5)).toBe(2001);
    expect(clock.wallAt(20_010)).toBe(2001);
    expect(clock.wallAt(20_011)).toBe(2002);
    expect(clock.receivedMs).toBe(40_010);
  });

  it('records stage timings per utterance to 0.1 ms and hands them over once', () => {
    const clock = new SessionClock();
    clock.mark(1, 'asr', 12.345);
    clock.mark(1, 'intent', 250.06);
    clock.mark(1, 'asr', 14.96); // a later mark replaces the earlier one
    clock.mark(2, 'tts', 80);
    expect(clock.take(1)).toEqual({ asr: 15, intent: 250.1 });
    expect(clock.take(1)).toEqual({});
    expect(clock.take(2)).toEqual({ tts: 80 });
    expect(clock.take(3)).toEqual({});
  });
});
