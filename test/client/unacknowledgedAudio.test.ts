import { describe, expect, it } from 'vitest';
import { UnacknowledgedAudio } from '../../src/client/unacknowledgedAudio.ts';

/** 20 ms chunks whose first byte is their index, so a resend shows which ones went again. */
function pushChunks(audio: UnacknowledgedAudio, from: number, count: number): void {
  for (let i = from; i < from + count; i++) audio.push(Uint8Array.of(i % 256), 20);
}
const indices = (chunks: readonly Uint8Array[]) => chunks.map((c) => c[0]);

describe('UnacknowledgedAudio', () => {
  it('sends again from an open utterance (less the pre-roll), never the answered one before it', () => {
    const audio = new UnacknowledgedAudio({ preRollMs: 100, tailMs: 1000 });
    pushChunks(audio, 0, 100); // 0–2000 ms
    audio.speechStart(1, 200);
    audio.speechEnd(1, 900);
    audio.answered(1);
    audio.speechStart(2, 1400);
    const r = audio.resend();
    expect(r.lost).toEqual([]);
    expect(r.fromMs).toBe(1300);
    expect(indices(r.chunks)).toEqual(Array.from({ length: 35 }, (_, i) => 65 + i));
    expect(r.durationMs).toBe(700);
  });

  it('with nothing open sends the last tailMs again, but nothing of an answered utterance', () => {
    const audio = new UnacknowledgedAudio({ tailMs: 600 });
    pushChunks(audio, 0, 50); // 0–1000 ms
    expect(audio.resend().fromMs).toBe(400);
    audio.speechStart(1, 100);
    audio.speechEnd(1, 800);
    audio.answered(1);
    const r = audio.resend();
    expect(r.fromMs).toBe(800);
    expect(r.durationMs).toBe(200);
  });

  it('counts a new connection from where its audio starts, and settles what came before', () => {
    const audio = new UnacknowledgedAudio({ preRollMs: 0 });
    pushChunks(audio, 0, 50);
    audio.speechStart(3, 500);
    const first = audio.resend();
    expect(first.fromMs).toBe(500);
    audio.connected(first.fromMs);
    pushChunks(audio, 50, 50); // the new connection's stream time 0 is the timeline's 500 ms
    audio.speechStart(1, 100); // timeline 600
    audio.speechEnd(1, 700); // timeline 1200
    audio.answered(1);
    const second = audio.resend();
    expect(second.fromMs).toBe(1200);
    expect(audio.openUtterances).toEqual([]);
  });

  it('reports an open utterance lost, and sends nothing of it, once its start is no longer held', () => {
    const audio = new UnacknowledgedAudio({ keepMs: 1000, preRollMs: 0 });
    pushChunks(audio, 0, 10);
    audio.speechStart(4, 0);
    pushChunks(audio, 10, 100); // 2 s more: the utterance's start is let go
    const r = audio.resend();
    expect(r.lost).toEqual([4]);
    expect(r.chunks).toEqual([]);
    expect(r.fromMs).toBe(audio.heldUntilMs);
  });

  it('holds at most keepMs of audio', () => {
    const audio = new UnacknowledgedAudio({ keepMs: 400, tailMs: 10_000 });
    pushChunks(audio, 0, 1000);
    expect(audio.resend().durationMs).toBeLessThanOrEqual(420);
  });

  it('refuses a negative option, naming it', () => {
    expect(() => new UnacknowledgedAudio({ tailMs: -1 })).toThrow(/tailMs/);
  });
});
