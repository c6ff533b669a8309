import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type StreamItem, type WindowItem, event } from '../../src/pipeline/items.ts';
import { windowAudio, windowSamples } from '../../src/pipeline/windowAudio.ts';

/** 16 kHz audio whose sample n is n / 100000, so every window's contents can be checked. */
function ramp(start: number, length: number, atMs = 0): StreamItem {
  return {
    kind: 'audio',
    pcm: Float32Array.from({ length }, (_, i) => (start + i) / 100_000),
    sampleRate: 16000,
    atMs,
  };
}

const run = (items: StreamItem[], sampleRate?: number) =>
  lastValueFrom(from(items).pipe(windowAudio(sampleRate), toArray()));

describe('windowAudio', () => {
  it('re-cuts audio of any size into 512-sample windows, holding the remainder for the next item', async () => {
    // 300 + 1000 + 100 + 1000 = 2400 samples: four whole windows (2048), 352 samples held back.
    const sizes = [300, 1000, 100, 1000];
    let at = 0;
    const items = sizes.map((n) => {
      const f = ramp(at, n, (at / 16000) * 1000);
      at += n;
      return f;
    });
    const out = (await run(items)) as WindowItem[];
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
    const [a, b] = (await run([input])) as WindowItem[];
    expect(a?.pcm.buffer).not.toBe(b?.pcm.buffer);
    expect(a?.pcm.buffer).not.toBe((input as { pcm: Float32Array }).pcm.buffer);
    (input as { pcm: Float32Array }).pcm.fill(9);
    expect(a?.pcm[1]).toBeCloseTo(1 / 100_000, 7);
  });

  it('passes other items through in order, between the windows made before and after them', async () => {
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
    expect(out.map((f) => (f as WindowItem).atMs)).toEqual([0, 64, 128]);
  });

  it('emits windows when the audio completing them arrives, and unsubscribes with its output (marbles)', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(
      ({ cold, expectObservable, expectSubscriptions }) => {
        const end: StreamItem = { kind: 'end' };
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
          windowAudio(),
          map((f) => (f.kind === 'window' ? `w${f.atMs}` : f)),
        );
        expectObservable(out).toBe(expected, { x: 'w0', y: 'w32', z: 'w64', e: end });
        expectSubscriptions(source.subscriptions).toBe(subs);
      },
    );
  });
});
