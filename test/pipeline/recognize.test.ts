import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { GraphHypothesis, RecognitionResult, UtteranceRecognizer } from '../../src/asr/index.ts';
import type { StreamItem } from '../../src/pipeline/items.ts';
import { recognize } from '../../src/pipeline/recognize.ts';

/**
 * A recognizer whose best path is always the complete command "stop", with the confidence statistic given (and
 * a result that says whether it came from denoised audio).
 */
function fixedRecognizer(ratio: number, extendable = false, denoised = false): UtteranceRecognizer {
  const stop: GraphHypothesis = {
    arcs: [0],
    words: ['stop'],
    wordFrames: [0],
    score: -10,
    intent: 'stop',
    extendable,
  };
  const result: RecognitionResult = {
    hypotheses: [stop],
    partial: stop,
    unconstrainedScore: -10,
    frames: 0,
    hidden: new Float32Array(0),
    dim: 0,
    logProbs: new Float32Array(0),
    tokens: 0,
    asrMs: 0,
    asrMaxMs: 0,
    decodeMs: 0,
    denoised,
  };
  return {
    reset: () => {},
    push: async () => {},
    partial: () => stop,
    finals: () => [stop],
    ratio: () => ratio,
    result: () => result,
  };
}

/** One utterance: a chunk of speech, then chunks of growing trailing silence, 80 ms apart. */
function utterance(silences: readonly number[]): StreamItem[] {
  const chunk = (endMs: number, silenceMs: number): StreamItem => ({
    kind: 'features',
    utterance: 1,
    feats: new Float32Array(0),
    frames: 8,
    side: new Float32Array(0),
    pcm: new Float32Array(0),
    endMs,
    silenceMs,
  });
  return [
    { kind: 'utteranceStart', utterance: 1, atMs: 0 },
    chunk(500, 0),
    ...silences.map((s) => chunk(500 + s, s)),
    { kind: 'utteranceEnd', utterance: 1, reason: 'silence', speechEndMs: 500 } as StreamItem,
  ];
}

/** How the stage ended an utterance whose trailing silence grew to `lastSilenceMs` in 80 ms steps. */
async function reasonAfter(recognizer: UtteranceRecognizer, lastSilenceMs: number): Promise<string> {
  const silences = Array.from({ length: lastSilenceMs / 80 }, (_, i) => 80 * (i + 1));
  const out = await lastValueFrom(
    from(utterance(silences)).pipe(
      recognize(recognizer, new Subject<number>(), {
        earlyMinRatio: 0,
        earlySilenceMs: 96,
        lowConfidenceSilenceMs: 320,
      }),
      toArray(),
    ),
  );
  const recognized = out.find((f) => f.kind === 'recognized');
  return recognized?.kind === 'recognized' ? recognized.reason : 'none';
}

describe('recognize: early endpoint', () => {
  it('ends a confident complete command after earlySilenceMs', async () => {
    expect(await reasonAfter(fixedRecognizer(1), 80)).toBe('silence');
    expect(await reasonAfter(fixedRecognizer(1), 160)).toBe('endpoint');
  });

  it('ends a doubtful one (below earlyMinRatio) after lowConfidenceSilenceMs, before the segmenter', async () => {
    expect(await reasonAfter(fixedRecognizer(-1), 240)).toBe('silence');
    expect(await reasonAfter(fixedRecognizer(-1), 320)).toBe('endpoint');
  });

  it('waits extendableSilenceMs for a confident command that could go on', async () => {
    expect(await reasonAfter(fixedRecognizer(1, true), 240)).toBe('silence');
    expect(await reasonAfter(fixedRecognizer(1, true), 320)).toBe('endpoint');
  });

  it('takes a complete command trailing the best path by up to sameWordsMarginNats where their words are the same', async () => {
    // The best path of all is still in "stop"'s last phone (4 nats ahead), or in another word ("go", 4 ahead).
    const trailing = (partialWords: string[]): UtteranceRecognizer => {
      const fixed = fixedRecognizer(1);
      const stop = fixed.finals()[0] as GraphHypothesis;
      return { ...fixed, partial: () => ({ ...stop, words: partialWords, score: stop.score + 4 }) };
    };
    const ended = async (recognizer: UtteranceRecognizer, sameWordsMarginNats: number) => {
      const out = await lastValueFrom(
        from(utterance([80, 160, 240])).pipe(
          recognize(recognizer, new Subject<number>(), { earlySilenceMs: 96, sameWordsMarginNats }),
          toArray(),
        ),
      );
      const recognized = out.find((f) => f.kind === 'recognized');
      return recognized?.kind === 'recognized' ? recognized.reason : 'none';
    };
    expect(await ended(trailing(['stop']), 0)).toBe('silence');
    expect(await ended(trailing(['stop']), 3)).toBe('silence');
    expect(await ended(trailing(['stop']), 5)).toBe('endpoint');
    expect(await ended(trailing(['go']), 5)).toBe('silence');
  });
});

describe('recognize: the final event', () => {
  it('says when the transcript came from denoised audio, and says nothing otherwise', async () => {
    const finals = async (denoised: boolean) =>
      (
        await lastValueFrom(
          from(utterance([80, 160, 240, 320])).pipe(
            recognize(fixedRecognizer(1, false, denoised), new Subject<number>()),
            toArray(),
          ),
        )
      ).flatMap((item) => (item.kind === 'event' && item.message.type === 'final' ? [item.message] : []));
    expect(await finals(true)).toEqual([{ type: 'final', utterance: 1, text: 'stop', denoised: true }]);
    expect(await finals(false)).toEqual([{ type: 'final', utterance: 1, text: 'stop' }]);
  });
});

describe('recognize: the second pass started ahead', () => {
  /** The calls the stage made, in order, for chunks with these trailing silences (0: speech). */
  async function calls(
    silences: readonly number[],
    extendable: boolean,
    ahead: number | null = 96,
  ): Promise<string[]> {
    const seen: string[] = [];
    const recognizer: UtteranceRecognizer = {
      ...fixedRecognizer(1, extendable),
      finishAhead: () => void seen.push('ahead'),
      dropAhead: () => void seen.push('drop'),
      finish: async () => void seen.push('finish'),
    };
    await lastValueFrom(
      from(utterance(silences)).pipe(
        recognize(recognizer, new Subject<number>(), { aheadSilenceMs: ahead }),
        toArray(),
      ),
    );
    return seen.filter((c, i) => c !== seen[i - 1]);
  }

  it('starts it once a complete command is followed by a pause, before the endpoint', async () => {
    // An extendable command waits 320 ms for the endpoint; the pass starts at 96.
    expect(await calls([80, 160, 240, 320], true)).toEqual(['drop', 'ahead', 'finish']);
  });

  it('does not start it unless asked to (the default)', async () => {
    expect(await calls([80, 160, 240, 320], true, null)).toEqual(['finish']);
  });

  it('drops it when speech goes on', async () => {
    expect(await calls([80, 160, 0, 80, 160, 240, 320], true)).toEqual([
      'drop',
      'ahead',
      'drop',
      'ahead',
      'finish',
    ]);
  });
});
