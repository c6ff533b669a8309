import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VoxError } from '../../src/protocol/errors.ts';
import { detectVoice, type VoiceScorer } from '../../src/pipeline/detectVoice.ts';
import { type StreamItem, type WindowItem, event } from '../../src/pipeline/items.ts';

/** A VAD that answers each window with the next scripted probability; counts resets and what it saw. */
class ScriptedScorer implements VoiceScorer {
  resets = 0;
  readonly seen: number[] = [];
  constructor(private readonly probs: number[]) {}
  score(window: Float32Array): Promise<number> {
    this.seen.push(window[0] as number);
    const prob = this.probs.shift();
    return prob === undefined ? Promise.reject(new Error('script ran out')) : Promise.resolve(prob);
  }
  reset(): void {
    this.resets++;
  }
}

/** A 32 ms window (not yet scored) whose samples hold `index`. */
const win = (index: number): WindowItem => ({
  kind: 'window',
  pcm: new Float32Array(512).fill(index),
  atMs: index * 32,
  prob: 0,
  speaking: false,
  silenceMs: 0,
});

const run = (scorer: VoiceScorer, items: StreamItem[], options = {}) =>
  lastValueFrom(from(items).pipe(detectVoice(scorer, options), toArray()));

/** StreamItem → [prob, speaking, silenceMs] for windows, kind otherwise. */
const summary = (items: StreamItem[]) =>
  items.map((f) => (f.kind === 'window' ? [f.prob, f.speaking, f.silenceMs] : f.kind));

/**
 * detectVoice over a VAD whose answers the test gives by hand (`pending[i](prob)` answers the i-th window
 * scored), and what comes out: windows as `w<atMs>`, other items by kind.
 */
function heldScorer() {
  const pending: ((p: number) => void)[] = [];
  const scorer: VoiceScorer = {
    score: () => new Promise<number>((resolve) => pending.push(resolve)),
    reset: () => {},
  };
  const input = new Subject<StreamItem>();
  const seen: string[] = [];
  input.pipe(detectVoice(scorer)).subscribe((f) => seen.push(f.kind === 'window' ? `w${f.atMs}` : f.kind));
  return { pending, input, seen };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('detectVoice', () => {
  it('turns speech on after minSpeechMs above onThreshold and off below offThreshold, counting silence', async () => {
    const probs = [0.1, 0.6, 0.4, 0.6, 0.7, 0.4, 0.3, 0.2, 0.6];
    const scorer = new ScriptedScorer([...probs]);
    const out = await run(
      scorer,
      probs.map((_, i) => win(i)),
    );
    expect(summary(out)).toEqual([
      [0.1, false, 32],
      [0.6, false, 64], // one window above 0.5 is not enough (64 ms needed)
      [0.4, false, 96], // and a window under it starts the count again
      [0.6, false, 128],
      [0.7, true, 0], // two in a row: speech
      [0.4, true, 0], // between the thresholds: still speech
      [0.3, false, 32], // under 0.35: off
      [0.2, false, 64],
      [0.6, false, 96],
    ]);
    // Each window scored once, in order, and the item otherwise unchanged.
    expect(scorer.seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    out.forEach((f, i) => expect(f).toMatchObject({ kind: 'window', atMs: i * 32, pcm: win(i).pcm }));
  });

  it('takes its thresholds and minimum speech from the options', async () => {
    const probs = [0.3, 0.25, 0.15, 0.05];
    const out = await run(
      new ScriptedScorer([...probs]),
      probs.map((_, i) => win(i)),
      { onThreshold: 0.3, offThreshold: 0.1, minSpeechMs: 32 },
    );
    expect(summary(out)).toEqual([
      [0.3, true, 0],
      [0.25, true, 0],
      [0.15, true, 0],
      [0.05, false, 32],
    ]);
  });

  it('resets the scorer and its own state on flush, passing the flush on in order', async () => {
    const scorer = new ScriptedScorer([0.9, 0.9, 0.9, 0.9]);
    const input = new Subject<StreamItem>();
    const done = lastValueFrom(input.pipe(detectVoice(scorer), toArray()));
    // One at a time, each scored before the next comes (a flush drops windows still waiting: next test).
    for (const item of [win(0), win(1), { kind: 'flush' } as const, win(2), win(3)]) {
      input.next(item);
      await settle();
    }
    input.complete();
    const out = await done;
    // Speech was on before the flush; after it, speech needs its 64 ms again and silence counts from zero.
    expect(summary(out)).toEqual([
      [0.9, false, 32],
      [0.9, true, 0],
      'flush',
      [0.9, false, 32],
      [0.9, true, 0],
    ]);
    expect(scorer.resets).toBe(1);
  });

  it('keeps other items behind the windows still being scored', async () => {
    const { pending, input, seen } = heldScorer();
    input.next(win(0));
    input.next(event({ type: 'partial', utterance: 1, text: 'x', atMs: 0 }));
    input.next(win(1));
    input.next({ kind: 'end' });
    await settle();
    expect(seen).toEqual([]);
    expect(pending).toHaveLength(1); // one window at a time
    pending[0]?.(0.1);
    await settle();
    expect(seen).toEqual(['w0', 'event']);
    pending[1]?.(0.1);
    await settle();
    expect(seen).toEqual(['w0', 'event', 'w32', 'end']);
  });

  it('lets a flush (cancel) overtake the windows waiting for the model, dropping them', async () => {
    const { pending, input, seen } = heldScorer();
    for (let i = 0; i < 50; i++) input.next(win(i)); // 1.6 s of audio: one window scoring, 49 waiting
    input.next(event({ type: 'partial', utterance: 1, text: 'x', atMs: 0 }));
    input.next({ kind: 'flush' });
    input.next(win(50));
    await settle();
    pending[0]?.(0.9);
    await settle();
    // The window in flight finishes; the event and the flush come next, not after 49 more model runs.
    expect(seen).toEqual(['w0', 'event', 'flush']);
    pending[1]?.(0.1);
    await settle();
    expect(seen).toEqual(['w0', 'event', 'flush', 'w1600']);
    expect(pending).toHaveLength(2);
  });

  it('fails with VX_BACKPRESSURE when more than maxQueuedWindows windows wait for the model', async () => {
    const scorer: VoiceScorer = { score: () => new Promise<number>(() => {}), reset: () => {} };
    const input = new Subject<StreamItem>();
    const errors: unknown[] = [];
    input.pipe(detectVoice(scorer, { maxQueuedWindows: 2 })).subscribe({ error: (e) => errors.push(e) });
    for (let i = 0; i < 3; i++) input.next(win(i)); // one scoring, two waiting
    expect(errors).toEqual([]);
    input.next(win(3));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(VoxError);
    expect(errors[0]).toMatchObject({ code: 'VX_BACKPRESSURE' });
    expect(input.observed).toBe(false);
  });

  it('fails with the scorer’s error', async () => {
    await expect(run(new ScriptedScorer([0.2]), [win(0), win(1)])).rejects.toThrow('script ran out');
  });
});
