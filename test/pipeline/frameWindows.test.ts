import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type Frame, type WindowFrame, event } from '../../src/pipeline/frames.ts';
import { frameWindows, windowSamples } from '../../src/pipeline/frameWindows.ts';

/** 16 kHz audio whose sample n is n / 100000, so every window's contents can be checked. */
function ramp(start: number, length: number, atMs = 0): Frame {
  return {
    kind: 'audio',
    pcm: Float32Array.from({ length }, (_, i) => (start + i) / 100_000),
    sampleRate: 16000,
    atMs,
  };
}

const run = (frames: Frame[], sampleRate?: number) =>
  lastValueFrom(from(frames).pipe(frameWindows(sampleRate), toArray()));

describe('frameWindows', () => {
  it('re-cuts audio of any size into 512-sample windows, holding the remainder for the next frame', async () => {
    // 300 + 1000 + 100 + 1000 = 2400 samples: four whole windows (2048), 352 samples held back.
    const sizes = [300, 1000, 100, 1000];
    let at = 0;
    const frames = sizes.map((n) => {
      const f = ramp(at, n, (at / 16000) * 1000);
      at += n;
      return f;
    });
    const out = (await run(frames)) as WindowFrame[];
    expect(out).toHaveLength(4);
    out.forEach((w, i) => {
      expect(w).toMatchObject({ kind: 'window', atMs: i * 32, prob: 0, speaking: false, silenceMs: 0 });
      expect(w.pcm).toHaveLength(windowSamples);
      expect(w.pcm[0]).toBeCloseTo((i * 512) / 100_000, 7);
      expect(w.pcm[511]).toBeCloseTo((i * 512 + 511) / 100_000, 7);
    });
    // Contiguous: the windows joined are the input's first 2048 samples.
    const joined = Float32Array.from(out.flatMap((w) => [...w.pcm]));
    expect(joined).toEqual(Float32Array.from({ length: 2048 }, (_, i) => i / 100_000));
  });

  it('gives each window its own copy of the samples', async () => {
    const input = ramp(0, 1024);
    const [a, b] = (await run([input])) as WindowFrame[];
    expect(a?.pcm.buffer).not.toBe(b?.pcm.buffer);
    expect(a?.pcm.buffer).not.toBe((input as { pcm: Float32Array }).pcm.buffer);
    (input as { pcm: Float32Array }).pcm.fill(9);
    expect(a?.pcm[1]).toBeCloseTo(1 / 100_000, 7);
  });

  it('passes other frames through in order, between the windows made before and after them', async () => {
    const note = event({ type: 'partial', utterance: 1, text: 'hi', atMs: 0 });
    const out = await run([ramp(0, 600), { kind: 'flush' }, note, ramp(600, 600), { kind: 'end' }]);
    expect(out.map((f) => (f.kind === 'window' ? `w${f.atMs}` : f.kind))).toEqual([
      'w0',
      'flush',
      'event',
      'w32',
      'end',
    ]);
    expect(out[2]).toBe(note);
  });

  it('times windows by the sample rate given', async () => {
    const out = await run([ramp(0, 1536)], 8000);
    expect(out.map((f) => (f as WindowFrame).atMs)).toEqual([0, 64, 128]);
  });

  it('emits windows when the audio completing them arrives, and unsubscribes with its output (marbles)', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
      ({ cold, expectObservable, expectSubscriptions }) => {
        const end: Frame = { kind: 'end' };
        // 300 + 300 samples complete one window at b; c's 1000 more complete two at once.
        const source = cold('a--b--c----e--|', {
          a: ramp(0, 300),
          b: ramp(300, 300),
          c: ramp(600, 1000),
          e: end,
        });
        const subs = '       ^-------------!';
        const expected = '   ---x--(yz)-e--|';
        // Windows shown by their time alone: their samples are checked above.
        const out = source.pipe(
          frameWindows(),
          map((f) => (f.kind === 'window' ? `w${f.atMs}` : f)),
        );
        expectObservable(out).toBe(expected, { x: 'w0', y: 'w32', z: 'w64', e: end });
        expectSubscriptions(source.subscriptions).toBe(subs);
      },
    );
  });
});
