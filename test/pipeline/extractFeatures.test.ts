import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { LogMelExtractor, SphinxMfcc } from '../../src/audio/index.ts';
import { chunkFrames, extractFeatures } from '../../src/pipeline/extractFeatures.ts';
import {
  logMelFeatures,
  logMelSilence as silenceFeature,
  sphinxFeatures,
} from '../../src/runtime/featureStreams.ts';
import type { FeatureItem, StreamItem } from '../../src/pipeline/items.ts';

const bins = 80;

/** A tone with a little deterministic noise: `length` samples from sample `offset` on. */
function signal(offset: number, length: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => {
    const n = offset + i;
    return (
      0.3 * Math.sin((2 * Math.PI * 440 * n) / 16000) + 0.05 * Math.sin(n * 12.9898) * Math.cos(n * 78.233)
    );
  });
}

/** An utterance's frames: start, `windows` 512-sample audio items (the last `quiet` of them with silence), end. */
function utterance(id: number, windows: number, firstMs = 0): { items: StreamItem[]; audio: Float32Array } {
  const audio = signal(0, windows * 512);
  const items: StreamItem[] = [{ kind: 'utteranceStart', utterance: id, atMs: firstMs }];
  for (let w = 0; w < windows; w++) {
    items.push({
      kind: 'utteranceAudio',
      utterance: id,
      pcm: audio.subarray(w * 512, (w + 1) * 512),
      atMs: firstMs + w * 32,
      silenceMs: w * 10,
    });
  }
  items.push({
    kind: 'utteranceEnd',
    utterance: id,
    speechEndMs: firstMs + windows * 32,
    reason: 'silence',
  });
  return { items, audio };
}

const run = (items: StreamItem[]) =>
  lastValueFrom(from(items).pipe(extractFeatures(logMelFeatures()), toArray()));
const features = (items: StreamItem[]) => items.filter((f): f is FeatureItem => f.kind === 'features');

/** The log-mel frames of the whole audio at once, flattened. */
const reference = (audio: Float32Array) => new LogMelExtractor().push(audio);

describe('extractFeatures', () => {
  it('emits 16-item chunks of the utterance’s log-mel features, padding the last with silence', async () => {
    // 10 windows = 5120 samples → 1 + (5120 - 400) / 160 = 30 frames: one full chunk, then 14 + 2 padding.
    const { items, audio } = utterance(3, 10, 1000);
    const out = await run(items);
    expect(out.map((f) => f.kind)).toEqual([
      'utteranceStart',
      ...Array<string>(5).fill('tick'),
      'features',
      ...Array<string>(4).fill('tick'),
      'features',
      'utteranceEnd',
    ]);
    const chunks = features(out);
    const ref = reference(audio);
    expect(ref.length).toBe(30 * bins);
    for (const c of chunks) {
      expect(c.utterance).toBe(3);
      expect(c.frames).toBe(chunkFrames);
      expect(c.feats).toHaveLength(chunkFrames * bins);
    }
    expect(chunks[0]?.feats).toEqual(ref.slice(0, 16 * bins));
    expect(chunks[1]?.feats.subarray(0, 14 * bins)).toEqual(ref.slice(16 * bins));
    expect([...(chunks[1]?.feats.subarray(14 * bins) ?? [])]).toEqual(
      Array(2 * bins).fill(Math.fround(silenceFeature)),
    );
    expect(silenceFeature).toBeCloseTo(Math.log(1e-10), 12);
  });

  it('sends a chunk as soon as its 16 frames are in, and a tick for audio that completes none', async () => {
    const { items } = utterance(1, 10, 1000);
    const out = await run(items);
    // 16 frames need 400 + 15 × 160 = 2800 samples: complete during the sixth window (3072 samples).
    expect(out.findIndex((f) => f.kind === 'features')).toBe(1 + 5);
    expect(out.filter((f) => f.kind === 'utteranceAudio')).toEqual([]);
    // Each carries the audio time reached and the trailing silence of the last audio item.
    const times = out.flatMap((f) =>
      f.kind === 'tick' || f.kind === 'features' ? [[f.kind, f.endMs, f.silenceMs]] : [],
    );
    expect(times).toEqual([
      ['tick', 1032, 0],
      ['tick', 1064, 10],
      ['tick', 1096, 20],
      ['tick', 1128, 30],
      ['tick', 1160, 40],
      ['features', 1192, 50],
      ['tick', 1224, 60],
      ['tick', 1256, 70],
      ['tick', 1288, 80],
      ['tick', 1320, 90],
      ['features', 1320, 90], // the padded last chunk, at utteranceEnd
    ]);
    expect(out.filter((f) => f.kind === 'tick')).toContainEqual({
      kind: 'tick',
      utterance: 1,
      endMs: 1032,
      silenceMs: 0,
    });
  });

  it('sends no padding chunk when the features fill whole chunks', async () => {
    const audio = signal(0, 400 + 31 * 160); // exactly 32 frames
    const out = await run([
      { kind: 'utteranceStart', utterance: 1, atMs: 0 },
      { kind: 'utteranceAudio', utterance: 1, pcm: audio, atMs: 0, silenceMs: 0 },
      { kind: 'utteranceEnd', utterance: 1, speechEndMs: 100, reason: 'stop' },
    ]);
    const chunks = features(out);
    expect(chunks).toHaveLength(2);
    expect(Float32Array.from([...chunks.flatMap((c) => [...c.feats])])).toEqual(reference(audio));
    expect(out.map((f) => f.kind)).toEqual(['utteranceStart', 'features', 'features', 'utteranceEnd']);
  });

  it('starts each utterance afresh and ignores audio and ends of other utterances', async () => {
    const first = utterance(1, 4);
    const second = utterance(2, 7);
    // Audio of utterance 1 arriving after 2 has started (say, late) is dropped; so is its end.
    const stray: StreamItem[] = [
      first.items[1] as StreamItem,
      { kind: 'utteranceEnd', utterance: 1, speechEndMs: 0, reason: 'silence' },
    ];
    const control: StreamItem = { kind: 'flush' };
    const items = [
      ...first.items.slice(0, -1), // no end: cut off (an early endpoint)
      second.items[0] as StreamItem,
      ...stray,
      ...second.items.slice(1),
      control,
    ];
    const out = await run(items);
    const named = (f: StreamItem) =>
      f.kind === 'features' || f.kind === 'tick' ? `${f.kind}${f.utterance}` : f.kind;
    expect(out.map(named)).toEqual([
      'utteranceStart', // 1: 4 windows make 12 frames, no chunk, and it is never ended
      ...Array<string>(4).fill('tick1'),
      'utteranceStart', // 2; the stray audio of 1 gives nothing
      'utteranceEnd', // the stray end of 1, passed on without features
      ...Array<string>(5).fill('tick2'), // 7 windows: 3584 samples → 20 frames: a chunk at the sixth…
      'features2',
      'tick2',
      'features2', // …and one padded at the end
      'utteranceEnd',
      'flush',
    ]);
    const chunks = features(out);
    const ref = reference(second.audio);
    expect(chunks[0]?.feats).toEqual(ref.slice(0, 16 * bins));
    expect(chunks[1]?.feats.subarray(0, 4 * bins)).toEqual(ref.slice(16 * bins));
    expect(chunks[1]?.feats[4 * bins]).toBe(Math.fround(silenceFeature));
  });

  it('ends an utterance too short for a single feature item with no features', async () => {
    const out = await run([
      { kind: 'utteranceStart', utterance: 5, atMs: 0 },
      { kind: 'utteranceAudio', utterance: 5, pcm: signal(0, 399), atMs: 0, silenceMs: 0 },
      { kind: 'utteranceEnd', utterance: 5, speechEndMs: 25, reason: 'cancel' },
    ]);
    expect(out.map((f) => f.kind)).toEqual(['utteranceStart', 'tick', 'utteranceEnd']);
  });
});

describe('extractFeatures with the Sphinx front end', () => {
  it('sends the last chunk short and carries each row its cepstra, aligned, for the second pass', async () => {
    const { items, audio } = utterance(1, 20);
    const out = features(await lastValueFrom(from(items).pipe(extractFeatures(sphinxFeatures()), toArray())));
    const total = out.reduce((n, c) => n + c.frames, 0);
    expect(out.slice(0, -1).every((c) => c.frames === chunkFrames)).toBe(true);
    expect(out.at(-1)?.frames).toBeLessThan(chunkFrames);
    const cepstra = new SphinxMfcc();
    const whole = [...cepstra.push(audio), ...cepstra.flush()];
    // One row per 160-sample item, the zero-padded last partial item included (as sphinx_fe).
    expect(total).toBe(whole.length / 13);
    const side = out.flatMap((c) => [...c.side]);
    expect(side).toHaveLength(total * 13);
    side.forEach((v, i) => expect(v).toBeCloseTo(whole[i] as number, 4));
    for (const c of out) expect(c.feats).toHaveLength(c.frames * 39);
    // The chunks carry the utterance's audio between them, all of it in order (the noisy-utterance pass).
    expect(Float32Array.from(out.flatMap((c) => [...c.pcm]))).toEqual(audio);
    expect(out.every((c) => c.pcm.length > 0)).toBe(true);
  });
});
