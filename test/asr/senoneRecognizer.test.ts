import { describe, expect, it } from 'vitest';
import { type TriphoneInventory, compileHmmGraph } from '../../src/asr/hmmGraph.ts';
import { Lexicon } from '../../src/asr/lexicon.ts';
import { denseSenoneFrames } from '../../src/asr/senoneFrames.ts';
import type { SenoneModel } from '../../src/asr/senoneFrames.ts';
import { SenoneRecognizer } from '../../src/asr/senoneRecognizer.ts';
import { compileContext, parseContext } from '../../src/context/index.ts';

const lexicon = Lexicon.fromText('on AA N\noff AO F');
const graph = compileContext(
  parseContext('context:\n  expressions:\n    on:\n      - "on"\n    off:\n      - "off"\n', 'inline'),
);
/** Context-independent senones: phone i has senones 3i … 3i + 2. */
const phones = ['SIL', 'AA', 'N', 'AO', 'F'];
const inventory: TriphoneInventory = {
  silence: 'SIL',
  senones: (base) => [0, 1, 2].map((k) => 3 * phones.indexOf(base) + k),
  transitions: () => [
    Math.log(0.5),
    Math.log(0.5),
    Math.log(0.5),
    Math.log(0.5),
    Math.log(0.5),
    Math.log(0.5),
  ],
};
const senones = 3 * phones.length;
const dim = 39;

/**
 * A model whose senone scores depend on the first cepstrum only: c0 > 2 sounds like "on", c0 < -0.5 like "off",
 * anything between like silence. It records every chunk it was given.
 */
function fakeModel(): SenoneModel & { seen: Float32Array[] } {
  const seen: Float32Array[] = [];
  const want = (c0: number, t: number) => {
    if (c0 >= -0.5 && c0 <= 2) return [0, 1, 2];
    const word = c0 > 2 ? ['AA', 'N'] : ['AO', 'F'];
    return [0, 1, 2].map((k) => 3 * phones.indexOf(word[t % 2] as string) + k);
  };
  return {
    dim,
    seen,
    run: async (feats, frames) => {
      seen.push(feats.slice(0, frames * dim));
      const scores = new Float32Array(frames * senones).fill(-10);
      for (let t = 0; t < frames; t++)
        for (const s of want(feats[t * dim] as number, t)) scores[t * senones + s] = 0;
      return denseSenoneFrames(scores, frames, senones);
    },
  };
}

/**
 * 48 frames with "on" over frames 8–31 (c0 = 3 in the features) and cepstra whose c0 puts those words `db` dB
 * above the frames around them (src/asr/speechLevel.ts: 5·ln 10 / 10 c0 units a dB).
 */
function wordsAboveNoise(db: number): { frames: number; feats: Float32Array; side: Float32Array } {
  const perDb = (5 * Math.LN10) / 10;
  const frames = 48;
  const feats = new Float32Array(frames * dim);
  const side = new Float32Array(frames * 13);
  for (let t = 0; t < frames; t++) {
    const speech = t >= 8 && t < 32;
    feats[t * dim] = speech ? 3 : 0;
    side[t * 13] = speech ? 10 + db * perDb : 10;
  }
  return { frames, feats, side };
}

describe('SenoneRecognizer', () => {
  const hmm = compileHmmGraph(graph, lexicon, inventory);
  const loop = phones.map((p) => ({
    senones: inventory.senones(p, p, p, 's'),
    transitions: inventory.transitions(p),
  }));

  it('decodes again at the end with the cepstra normalised over the whole utterance (batch CMN)', async () => {
    const model = fakeModel();
    const recognizer = new SenoneRecognizer(model, hmm, loop);
    // Live features offset by +3 in c0 (a wrong running mean): they all look like "on". The raw cepstra (side
    // data) are "off" speech, c0 = 6 − 7 = −1 after the utterance's own mean (6) is removed, between silence.
    const frames = 48;
    const feats = new Float32Array(frames * dim);
    const side = new Float32Array(frames * 13);
    for (let t = 0; t < frames; t++) {
      const speech = t >= 12 && t < 36;
      side[t * 13] = speech ? 5 : 7; // mean over the utterance: (24 × 5 + 24 × 7) / 48 = 6
      feats[t * dim] = 3;
    }
    for (let at = 0; at < frames; at += 16)
      await recognizer.push(
        feats.subarray(at * dim, (at + 16) * dim),
        16,
        side.subarray(at * 13, (at + 16) * 13),
      );
    expect(recognizer.finals()[0]?.intent).toBe('on');
    await recognizer.finish();
    const second = model.seen.slice(3);
    expect(second).toHaveLength(3);
    expect(second[0]?.[0]).toBeCloseTo(1); // silence frame: 7 − 6
    expect(second[1]?.[0]).toBeCloseTo(-1); // speech frame: 5 − 6
    expect(recognizer.result().hypotheses[0]?.intent).toBe('off');
  });

  it("leans the second pass's mean on a prior where given (cmnPrior)", async () => {
    const model = fakeModel();
    // 48 voiced frames of c0 = 6 and a prior of c0 = 0 counted as 16 frames: mean (48 × 6 + 16 × 0) / 64 = 4.5.
    const prior = { mean: Array.from({ length: 13 }, () => 0), frames: 16 };
    const recognizer = new SenoneRecognizer(model, hmm, loop, { cmnPrior: prior });
    const side = new Float32Array(48 * 13);
    for (let t = 0; t < 48; t++) side[t * 13] = 6;
    for (let at = 0; at < 48; at += 16)
      await recognizer.push(new Float32Array(16 * dim), 16, side.subarray(at * 13, (at + 16) * 13));
    await recognizer.finish();
    expect(model.seen.slice(3)[0]?.[0]).toBeCloseTo(1.5);
  });

  it('lets a sure first pass stand without the second pass, but not in a first utterance or where the noisy pass applies', async () => {
    // As above: live features say "on", the batch-CMN pass would say "off".
    const frames = 48;
    const feats = new Float32Array(frames * dim);
    const side = new Float32Array(frames * 13);
    for (let t = 0; t < frames; t++) {
      side[t * 13] = t >= 12 && t < 36 ? 5 : 7;
      feats[t * dim] = 3;
    }
    const utterance = async (recognizer: SenoneRecognizer): Promise<number> => {
      recognizer.reset();
      for (let at = 0; at < frames; at += 16)
        await recognizer.push(
          feats.subarray(at * dim, (at + 16) * dim),
          16,
          side.subarray(at * 13, (at + 16) * 13),
          new Float32Array(16),
        );
      const sure = recognizer.ratio(recognizer.finals()[0]!);
      await recognizer.finish();
      return sure;
    };
    // Two utterances of one session: the chunks the model scored in each, and what each came out as.
    const run = async (firstPassStands: number, gateDb?: number) => {
      const model = fakeModel();
      const recognizer = new SenoneRecognizer(model, hmm, loop, {
        firstPassStands,
        noisyPass:
          gateDb === undefined
            ? null
            : {
                gateDb,
                denoiser: () => ({
                  learn: () => {},
                  release: () => {},
                  features: async () => ({ feats: new Float32Array(frames * dim), cepstra: side, frames }),
                }),
              },
      });
      const sure = await utterance(recognizer);
      const first = { runs: model.seen.length, intent: recognizer.result().hypotheses[0]?.intent };
      await utterance(recognizer);
      const second = {
        runs: model.seen.length - first.runs,
        intent: recognizer.result().hypotheses[0]?.intent,
        denoised: recognizer.denoised,
      };
      return { sure, first, second };
    };
    const { sure } = await run(Number.POSITIVE_INFINITY);
    // Sure enough: in the session's first utterance the live mean is still the model's initial one, so the
    // batch-CMN pass runs all the same ("off"); in the next, the first pass's "on" stands, nothing scored again.
    const stands = await run(sure - 0.01);
    expect(stands.first).toEqual({ runs: 6, intent: 'off' });
    expect(stands.second).toEqual({ runs: 3, intent: 'on', denoised: false });
    // Not quite: decoded again, "off".
    const again = await run(sure + 0.01);
    expect(again.second).toEqual({ runs: 6, intent: 'off', denoised: false });
    // Below the noisy pass's gate the denoised pass runs however sure the first pass is.
    const noisy = await run(sure - 0.01, 1000);
    expect(noisy.second.denoised).toBe(true);
    expect(noisy.second.runs).toBeGreaterThan(3);
  });

  it('carries a second pass started ahead on over the chunks after it, and decodes again at the end when it was dropped', async () => {
    // Live features "on" (a wrong running mean) over 48 frames; the batch-CMN pass says "off".
    const chunk = (speech: boolean) => {
      const feats = new Float32Array(16 * dim).fill(0);
      const side = new Float32Array(16 * 13);
      for (let t = 0; t < 16; t++) {
        feats[t * dim] = 3;
        side[t * 13] = speech ? 5 : 7;
      }
      return { feats, side };
    };
    const feed = async (recognizer: SenoneRecognizer, speech: boolean) => {
      const { feats, side } = chunk(speech);
      await recognizer.push(feats, 16, side);
    };
    const model = fakeModel();
    const recognizer = new SenoneRecognizer(model, hmm, loop);
    await feed(recognizer, false);
    await feed(recognizer, true);
    await feed(recognizer, false);
    recognizer.finishAhead();
    recognizer.finishAhead(); // one at a time
    await feed(recognizer, false); // the pause goes on: the live pass decodes it
    await recognizer.finish();
    // 4 live chunks, the pass ahead over the first 3, and at the end only the 4th carried on with the mean
    // the pass started with: (7 + 5 + 7) / 3 over the first three chunks' voiced frames.
    expect(model.seen).toHaveLength(8);
    expect(model.seen[7]?.[0]).toBeCloseTo(7 - 19 / 3, 5);
    expect(recognizer.result().hypotheses[0]?.intent).toBe('off');
    expect(recognizer.result().frames).toBe(64);

    // Dropped (the speaker went on): the end decodes the whole utterance again.
    recognizer.reset();
    model.seen.length = 0;
    await feed(recognizer, false);
    await feed(recognizer, true);
    recognizer.finishAhead();
    recognizer.dropAhead();
    await feed(recognizer, false);
    await recognizer.finish();
    const passes = model.seen.slice(3);
    // Dropped before it asked for scores: only the pass at the end, over all three chunks.
    expect(passes.length).toBe(3);
    expect(recognizer.result().frames).toBe(48);
    expect(recognizer.result().hypotheses[0]?.intent).toBe('off');
  });

  it("answers with the rescorer's choice after the final pass, at its statistic, and without one as the decoder does", async () => {
    // As above: "on" live, "off" after batch CMN.
    const frames = 48;
    const feats = new Float32Array(frames * dim);
    const side = new Float32Array(frames * 13);
    for (let t = 0; t < frames; t++) {
      side[t * 13] = t >= 12 && t < 36 ? 5 : 7;
      feats[t * dim] = 3;
    }
    const asked: { frames: number; words: string[]; ratios: number[] }[] = [];
    const rescorer = {
      maxCandidates: 8,
      rescore: async (
        scores: { frames: number },
        parses: readonly { words: readonly string[]; ratio?: number }[],
      ) => {
        asked.push({
          frames: scores.frames,
          words: parses.map((p) => p.words.join(' ')),
          ratios: parses.map((p) => p.ratio ?? NaN),
        });
        // Prefers "on", whatever the decoder says.
        return parses.map((p) => (p.words.join(' ') === 'on' ? 2 : -1));
      },
    };
    const run = async (options: ConstructorParameters<typeof SenoneRecognizer>[3]) => {
      const recognizer = new SenoneRecognizer(fakeModel(), hmm, loop, options);
      for (let at = 0; at < frames; at += 16)
        await recognizer.push(
          feats.subarray(at * dim, (at + 16) * dim),
          16,
          side.subarray(at * 13, (at + 16) * 13),
        );
      await recognizer.finish();
      return recognizer.result().hypotheses;
    };
    const plain = await run({});
    expect(plain[0]?.intent).toBe('off');
    const rescored = await run({ rescorer });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.frames).toBe(frames);
    // It was given the decoder's parses best first, with their statistics.
    expect(asked[0]?.words).toEqual(plain.map((h) => h.words.join(' ')));
    expect(asked[0]?.ratios[0]).toBeCloseTo(plain[0]?.ratio as number, 9);
    expect(rescored.map((h) => [h.intent, h.ratio])).toEqual(
      asked[0]?.words
        .map((w) => [w, w === 'on' ? 2 : -1])
        .sort((a, b) => (b[1] as number) - (a[1] as number)),
    );
    expect(rescored[0]?.intent).toBe('on');
  });

  it('keeps the first pass when it has no cepstra, or when told not to decode again', async () => {
    for (const options of [{}, { secondPass: false }]) {
      const model = fakeModel();
      const recognizer = new SenoneRecognizer(model, hmm, loop, options);
      const feats = new Float32Array(16 * dim).fill(0);
      const side = 'secondPass' in options ? new Float32Array(16 * 13).fill(5) : undefined;
      await recognizer.push(feats, 16, side);
      await recognizer.finish();
      expect(model.seen).toHaveLength(1);
    }
  });

  it('measures a parse by its per-frame ratio above the floor, scaled by the square root of its length', async () => {
    const model = fakeModel();
    const floor = -1;
    const refFrames = 16;
    const recognizer = new SenoneRecognizer(model, hmm, loop, {
      secondPass: false,
      statistic: { floor, refFrames },
    });
    // 8 frames of silence, 24 of "on", 16 of silence.
    const frames = 48;
    const feats = new Float32Array(frames * dim);
    for (let t = 0; t < frames; t++) feats[t * dim] = t >= 8 && t < 32 ? 3 : 0;
    for (let at = 0; at < frames; at += 16)
      await recognizer.push(feats.subarray(at * dim, (at + 16) * dim), 16);
    const best = recognizer.finals()[0];
    expect(best?.intent).toBe('on');
    const evidence = recognizer.frameRatio(best!);
    expect(evidence).not.toBeNull();
    const { ratio, frames: words } = evidence!;
    expect(words).toBeGreaterThan(16);
    expect(words).toBeLessThan(32);
    expect(recognizer.ratio(best!)).toBeCloseTo((ratio - floor) * Math.sqrt(words / refFrames), 9);
    expect(best?.ratio).toBeCloseTo(recognizer.ratio(best!), 9);
  });
  it("aligns the final parse's phones after the final pass and weighs its worst one into the result, above the final floor", async () => {
    const model = fakeModel();
    const statistic = { floor: -1, finalFloor: -3, refFrames: 16, worstPhoneWeight: 0.5 };
    const recognizer = new SenoneRecognizer(model, hmm, loop, { statistic });
    // 8 frames of silence, 24 of "on" (AA then N, alternating in the fake model), 16 of silence; side data
    // with c0 = 0 so that the second pass's features are the live ones.
    const frames = 48;
    const feats = new Float32Array(frames * dim);
    for (let t = 0; t < frames; t++) feats[t * dim] = t >= 8 && t < 32 ? 3 : 0;
    const side = new Float32Array(frames * 13);
    for (let at = 0; at < frames; at += 16)
      await recognizer.push(
        feats.subarray(at * dim, (at + 16) * dim),
        16,
        side.subarray(at * 13, (at + 16) * 13),
      );
    const live = recognizer.finals()[0]!;
    expect(recognizer.phones(live)).toBeNull(); // no final pass yet
    await recognizer.finish();
    const result = recognizer.result();
    const best = result.hypotheses[0]!;
    expect(best.intent).toBe('on');
    const phones = recognizer.phones(best);
    expect(phones?.length).toBe(2);
    expect(phones?.reduce((n, p) => n + p.frames, 0)).toBe(recognizer.frameRatio(best)?.frames);
    const worst = Math.min(...phones!.map((p) => p.ratio));
    const { ratio, frames: words } = recognizer.frameRatio(best)!;
    expect(best.ratio).toBeCloseTo((ratio + 3) * Math.sqrt(words / 16) + 0.5 * Math.min(worst + 3, 2), 9);
    // The live statistic keeps its own floor.
    expect(recognizer.ratio(best)).toBeCloseTo((ratio + 1) * Math.sqrt(words / 16), 9);
  });

  it('decodes a noisy utterance again from its denoised audio, and a clean one as before', async () => {
    // "on" over frames 8–31, its words 5 dB above the sound around them.
    const { frames, feats, side } = wordsAboveNoise(5);
    // The denoised audio's features say "off" (c0 = −1 over the same frames).
    const denoisedFeats = new Float32Array(frames * dim);
    for (let t = 8; t < 32; t++) denoisedFeats[t * dim] = -1;
    const run = async (gateDb: number) => {
      const heard: Float32Array[] = [];
      const learnt: Float32Array[] = [];
      const recognizer = new SenoneRecognizer(fakeModel(), hmm, loop, {
        noisyPass: {
          gateDb,
          denoiser: () => ({
            learn: (pcm) => learnt.push(pcm),
            release: () => {},
            features: async (pcm) => {
              heard.push(pcm);
              return { feats: denoisedFeats, cepstra: side, frames };
            },
          }),
        },
      });
      for (let at = 0; at < frames; at += 16)
        await recognizer.push(
          feats.subarray(at * dim, (at + 16) * dim),
          16,
          side.subarray(at * 13, (at + 16) * 13),
          Float32Array.of(at, at + 1),
        );
      await recognizer.finish();
      return { heard, learnt, recognizer };
    };
    const noisy = await run(20);
    expect(noisy.heard.map((p) => Array.from(p))).toEqual([[0, 1, 16, 17, 32, 33]]);
    // The denoiser began learning the noise once the live pass had 16 frames of words below the gate (after
    // the second chunk), from the first chunk on, ahead of the end.
    expect(noisy.learnt.map((p) => Array.from(p))).toEqual([
      [0, 1],
      [16, 17],
      [32, 33],
    ]);
    expect(noisy.recognizer.denoised).toBe(true);
    expect(noisy.recognizer.result().hypotheses[0]?.intent).toBe('off');
    expect(noisy.recognizer.result().denoised).toBe(true);
    const clean = await run(3);
    expect(clean.heard).toHaveLength(0);
    expect(clean.learnt).toHaveLength(0);
    expect(clean.recognizer.denoised).toBe(false);
    expect(clean.recognizer.result().hypotheses[0]?.intent).toBe('on');
    expect(clean.recognizer.result().denoised).toBe(false);
    // A new utterance forgets the last one's audio and pass.
    noisy.recognizer.reset();
    expect(noisy.recognizer.denoised).toBe(false);
  });

  it('with chooseSurer, decodes a noisy utterance both ways and answers from the surer pass', async () => {
    // "on" over frames 8–15 of 48, its cepstra 2.8 c0 units (2.4 dB) above the frames around them: the gate
    // (20 dB) sends it to the denoised pass, and batch CMN (mean 10 + 2.8 / 6) makes its words c0 2.33, "on",
    // and the frames around them -0.47, silence.
    const frames = 48;
    const feats = new Float32Array(frames * dim);
    const side = new Float32Array(frames * 13);
    for (let t = 0; t < frames; t++) {
      const word = t >= 8 && t < 16;
      feats[t * dim] = word ? 3 : 0;
      side[t * 13] = word ? 12.8 : 10;
    }
    const run = async (denoisedFeats: Float32Array, chooseSurer: boolean) => {
      const model = fakeModel();
      const recognizer = new SenoneRecognizer(model, hmm, loop, {
        noisyPass: {
          gateDb: 20,
          chooseSurer,
          denoiser: () => ({
            learn: () => {},
            release: () => {},
            features: async () => ({ feats: denoisedFeats, cepstra: side, frames }),
          }),
        },
      });
      for (let at = 0; at < frames; at += 16)
        await recognizer.push(
          feats.subarray(at * dim, (at + 16) * dim),
          16,
          side.subarray(at * 13, (at + 16) * 13),
          Float32Array.of(at),
        );
      await recognizer.finish();
      return { recognizer, chunks: model.seen.length };
    };
    // Denoised audio that says "off" as cleanly as batch CMN says "on": the denoised pass stands (ties go to it).
    const clear = new Float32Array(frames * dim);
    for (let t = 8; t < 16; t++) clear[t * dim] = -1;
    const kept = await run(clear, true);
    expect(kept.recognizer.result().hypotheses[0]?.intent).toBe('off');
    expect(kept.recognizer.denoised).toBe(true);
    // Three live chunks, then both passes' three each.
    expect(kept.chunks).toBe(9);
    // Denoised audio whose words sound like silence every other frame (RNNoise eating them): its best parse
    // fits far worse than the batch-CMN pass's "on", which answers.
    const eaten = new Float32Array(frames * dim);
    for (let t = 8; t < 16; t++) eaten[t * dim] = t % 2 === 0 ? -1 : 1;
    const chosen = await run(eaten, true);
    expect(chosen.recognizer.result().hypotheses[0]?.intent).toBe('on');
    expect(chosen.recognizer.denoised).toBe(false);
    // Without the choice the denoised pass answers, however poor, and no batch-CMN pass runs.
    const alone = await run(eaten, false);
    expect(alone.recognizer.result().hypotheses[0]?.intent).toBe('off');
    expect(alone.recognizer.denoised).toBe(true);
    expect(alone.chunks).toBe(6);
  });

  it('adds the noise allowance to a final parse heard in noise, in proportion to how low its level is', async () => {
    // "on" over frames 8–31, its words 5 dB above the sound around them.
    const { frames, feats, side } = wordsAboveNoise(5);
    const run = async (noiseBonus: number) => {
      const recognizer = new SenoneRecognizer(fakeModel(), hmm, loop, {
        statistic: { noiseBonus, noiseRefDb: 20 },
      });
      for (let at = 0; at < frames; at += 16)
        await recognizer.push(
          feats.subarray(at * dim, (at + 16) * dim),
          16,
          side.subarray(at * 13, (at + 16) * 13),
        );
      const best = recognizer.finals()[0];
      expect(best?.intent).toBe('on');
      expect(recognizer.level(best!)).toBeCloseTo(5, 6);
      return recognizer.result().hypotheses[0]!.ratio! - recognizer.ratio(best!);
    };
    expect(await run(0)).toBe(0);
    expect(await run(1)).toBeCloseTo(0.75, 6); // (20 − 5) / 20
  });
});
