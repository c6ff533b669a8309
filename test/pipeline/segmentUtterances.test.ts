import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type StreamItem, type WindowItem, event } from '../../src/pipeline/items.ts';
import { segmentUtterances } from '../../src/pipeline/segmentUtterances.ts';

const scheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const windowMs = 32;

/**
 * Consecutive 32 ms windows keyed a, b, c…: `s` speaking, `.` not. Each window's samples hold its index, so
 * audio items can be told apart; `silenceMs` counts as the VAD does (0 while speaking, +32 per quiet window).
 */
function windows(pattern: string): Record<string, StreamItem> {
  const out: Record<string, WindowItem> = {};
  let silenceMs = 0;
  [...pattern].forEach((c, i) => {
    const speaking = c === 's';
    silenceMs = speaking ? 0 : silenceMs + windowMs;
    out[String.fromCharCode(97 + i)] = {
      kind: 'window',
      pcm: new Float32Array(512).fill(i / 100),
      atMs: i * windowMs,
      prob: speaking ? 0.9 : 0.1,
      speaking,
      silenceMs,
    };
  });
  return out;
}

const start = (utterance: number, atMs: number): StreamItem => ({ kind: 'utteranceStart', utterance, atMs });
const speechStart = (utterance: number, atMs: number): StreamItem =>
  event({ type: 'speech_start', utterance, atMs });
/** The window's audio in an utterance; pre-roll audio reports no silence (pass 0). */
const audio = (utterance: number, w: StreamItem | undefined, silenceMs?: number): StreamItem => {
  const { pcm, atMs, silenceMs: windowSilence } = w as WindowItem;
  return { kind: 'utteranceAudio', utterance, pcm, atMs, silenceMs: silenceMs ?? windowSilence };
};
const end = (
  utterance: number,
  speechEndMs: number,
  reason: 'silence' | 'maxLength' | 'stop' | 'cancel',
): StreamItem => ({ kind: 'utteranceEnd', utterance, speechEndMs, reason });

describe('segmentUtterances', () => {
  it('opens with pre-roll and speech_start, and ends after endSilenceMs of silence', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const w = windows('...ss.s...');
      // prettier-ignore
      const m = {
        source:    'a-------b-------c-------d-------e-------f-------g-------h-------i-------j-------|',
        endpoints: '--------------------------------------------------------------------------------',
        expected:  '------------------------(SEbcd)-e-------f-------g-------h-------i-------(jZ)----|',
        subs:      '^-------------------------------------------------------------------------------!',
      };
      const source = cold<StreamItem>(m.source, w);
      const endpoints = hot<number>(m.endpoints);
      // Pre-roll of 64 ms: the two windows before speech (b, c), not a. Speech ends with g, the last speaking one.
      expectObservable(source.pipe(segmentUtterances(endpoints, { preRollMs: 64, endSilenceMs: 96 }))).toBe(
        m.expected,
        {
          S: start(1, 32),
          E: speechStart(1, 96),
          b: audio(1, w['b'], 0),
          c: audio(1, w['c'], 0),
          d: audio(1, w['d']),
          e: audio(1, w['e']),
          f: audio(1, w['f']),
          g: audio(1, w['g']),
          h: audio(1, w['h']),
          i: audio(1, w['i']),
          j: audio(1, w['j']),
          Z: end(1, 224, 'silence'),
        },
      );
      expectSubscriptions(source.subscriptions).toBe(m.subs);
      expectSubscriptions(endpoints.subscriptions).toBe(m.subs);
    });
  });

  it('cuts an utterance at maxUtteranceMs with an error event, and waits for a pause to open the next', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const w = windows('.sssss.s');
      // prettier-ignore
      const m = {
        source:    'a-------b-------c-------d-------e-------f-------g-------h-------|',
        endpoints: '----------------------------------------------------------------',
        expected:  '--------(SEab)--c-------(dXZ)---------------------------(TFgh)--(Y|)',
        subs:      '^---------------------------------------------------------------!',
      };
      const source = cold<StreamItem>(m.source, w);
      const endpoints = hot<number>(m.endpoints);
      const options = { preRollMs: 32, endSilenceMs: 1000, maxUtteranceMs: 128 };
      expectObservable(source.pipe(segmentUtterances(endpoints, options))).toBe(m.expected, {
        S: start(1, 0),
        E: speechStart(1, 32),
        a: audio(1, w['a'], 0),
        b: audio(1, w['b'], 0),
        c: audio(1, w['c']),
        d: audio(1, w['d']),
        X: event({
          type: 'error',
          code: 'VX_UTTERANCE_TOO_LONG',
          message: 'utterance longer than 128 ms; ended there',
          fatal: false,
          utterance: 1,
        }),
        Z: end(1, 128, 'maxLength'),
        // e and f still speak: no new utterance until g pauses.
        T: start(2, 192),
        F: speechStart(2, 224),
        g: audio(2, w['g'], 0),
        h: audio(2, w['h'], 0),
        Y: end(2, 256, 'stop'),
      });
      expectSubscriptions(source.subscriptions).toBe(m.subs);
      expectSubscriptions(endpoints.subscriptions).toBe(m.subs);
    });
  });

  it('ends the utterance with cancel on flush and with stop on end, passing other items through', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const w = windows('.ssss');
      const flush: StreamItem = { kind: 'flush' };
      const endFrame: StreamItem = { kind: 'end' };
      const partial = event({ type: 'partial', utterance: 2, text: 'turn on', atMs: 96 });
      // prettier-ignore
      const m = {
        source:    'a-------F-------b-------c-------F-------d-------p-------e-------N-------|',
        endpoints: '------------------------------------------------------------------------',
        expected:  '--------F-------(SEb)---c-------(ZF)----(TGd)---p-------e-------(YN)----|',
        subs:      '^-----------------------------------------------------------------------!',
      };
      const source = cold<StreamItem>(m.source, { ...w, F: flush, N: endFrame, p: partial });
      const endpoints = hot<number>(m.endpoints);
      // The first flush empties the pre-roll, so a (before it) is not sent with the utterance.
      expectObservable(source.pipe(segmentUtterances(endpoints, { preRollMs: 32 }))).toBe(m.expected, {
        F: flush,
        S: start(1, 32),
        E: speechStart(1, 32),
        b: audio(1, w['b'], 0),
        c: audio(1, w['c']),
        Z: end(1, 96, 'cancel'),
        T: start(2, 96),
        G: speechStart(2, 96),
        d: audio(2, w['d'], 0),
        p: partial,
        e: audio(2, w['e']),
        Y: end(2, 160, 'stop'),
        N: endFrame,
      });
      expectSubscriptions(source.subscriptions).toBe(m.subs);
      expectSubscriptions(endpoints.subscriptions).toBe(m.subs);
    });
  });

  it('stops feeding an utterance ended by an endpoint and needs a pause before opening the next', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const w = windows('.ssss.ss');
      // Utterance 1 ends early between c and d; the second signal for it, once utterance 2 is open, is stale.
      // prettier-ignore
      const m = {
        source:    'a-------b-------c-------d-------e-------f-------g-------h-------|',
        endpoints: '--------------------x-------------------------------x------------',
        expected:  '--------(SEab)--c-------------------------------(TFfg)--h-------(Y|)',
        subs:      '^---------------------------------------------------------------!',
      };
      const source = cold<StreamItem>(m.source, w);
      const endpoints = hot<number>(m.endpoints, { x: 1 });
      expectObservable(source.pipe(segmentUtterances(endpoints, { preRollMs: 32 }))).toBe(m.expected, {
        S: start(1, 0),
        E: speechStart(1, 32),
        a: audio(1, w['a'], 0),
        b: audio(1, w['b'], 0),
        c: audio(1, w['c']),
        // No utteranceEnd for 1: the stage that sent the endpoint has ended it. d and e are dropped.
        T: start(2, 160),
        F: speechStart(2, 192),
        f: audio(2, w['f'], 0),
        g: audio(2, w['g'], 0),
        h: audio(2, w['h']),
        Y: end(2, 256, 'stop'),
      });
      expectSubscriptions(source.subscriptions).toBe(m.subs);
      expectSubscriptions(endpoints.subscriptions).toBe(m.subs);
    });
  });

  it('passes on a source error and lets go of both inputs', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const w = windows('.s');
      // prettier-ignore
      const m = {
        source:    'a-------b-------#',
        endpoints: '------------------',
        expected:  '--------(SEab)--#',
        subs:      '^---------------!',
      };
      const source = cold<StreamItem>(m.source, w, new Error('decode failed'));
      const endpoints = hot<number>(m.endpoints);
      expectObservable(source.pipe(segmentUtterances(endpoints, { preRollMs: 32 }))).toBe(
        m.expected,
        { S: start(1, 0), E: speechStart(1, 32), a: audio(1, w['a'], 0), b: audio(1, w['b'], 0) },
        new Error('decode failed'),
      );
      expectSubscriptions(source.subscriptions).toBe(m.subs);
      expectSubscriptions(endpoints.subscriptions).toBe(m.subs);
    });
  });

  it('lets go of both inputs when unsubscribed, sending no end for the open utterance', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const w = windows('.sss');
      // prettier-ignore
      const m = {
        source:    'a-------b-------c-------d-------|',
        endpoints: '--------------------------------',
        unsub:     '^-------------------!',
        expected:  '--------(SEab)--c----',
      };
      const source = cold<StreamItem>(m.source, w);
      const endpoints = hot<number>(m.endpoints);
      expectObservable(source.pipe(segmentUtterances(endpoints, { preRollMs: 32 })), m.unsub).toBe(
        m.expected,
        {
          S: start(1, 0),
          E: speechStart(1, 32),
          a: audio(1, w['a'], 0),
          b: audio(1, w['b'], 0),
          c: audio(1, w['c']),
        },
      );
      expectSubscriptions(source.subscriptions).toBe(m.unsub);
      expectSubscriptions(endpoints.subscriptions).toBe(m.unsub);
    });
  });
});
