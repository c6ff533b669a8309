import type { Utterance } from '../../src/bench/loadGenerator.ts';
import { FailoverClient, type ClientEvent, type FailoverEvent } from '../../src/client/index.ts';

const chunkMs = 20;
const silence = new Uint8Array((16000 * 2 * chunkMs) / 1000);

/** One command a speaker said, on its own audio timeline (ms since its first chunk). */
export interface Said {
  readonly fromMs: number;
  /** Wall time (`performance.now()`) its last sound chunk was sent. */
  speechEndAt?: number;
  /** `intent` messages received for it, over all connections. */
  intents: number;
  intentAt?: number;
  /** Times a failover reported it lost. */
  lost: number;
}

/** What one speaker saw. */
export interface SpeakerReport {
  readonly said: number;
  readonly answered: number;
  readonly answeredTwice: number;
  readonly lost: number;
  /** Answered and reported lost: must never happen. */
  readonly answeredAndLost: number;
  /** Neither answered nor reported lost by the end. */
  readonly unanswered: number;
  readonly failovers: readonly FailoverEvent[];
  readonly errors: readonly string[];
  readonly closeCode: number | null;
}

/**
 * A simulated device on a {@link FailoverClient}: it speaks commands in real time with pauses, and matches
 * every `speech_start` to what it said by the audio timeline (a failover's `originMs` tells where the new
 * connection's stream time 0 lies), so that each command's answers are counted across connections.
 */
export class Speaker {
  readonly said: Said[] = [];
  readonly failovers: FailoverEvent[] = [];
  readonly errors: string[] = [];
  /** Intent latencies from the last sound chunk sent, ms, with the wall time they came. */
  readonly latencies: { at: number; ms: number }[] = [];
  private queue: { bytes: Uint8Array; said?: Said; speechEnd?: boolean }[] = [];
  private sentMs = 0;
  private origin = 0;
  private connection = 0;
  private readonly heard = new Map<string, Said>();
  private speaking = true;
  private closeCode: number | null = null;

  private constructor(
    readonly client: FailoverClient,
    private readonly pick: () => Utterance,
    private readonly pauseMs: readonly [number, number],
  ) {
    client.events.subscribe((e) => this.onEvent(e));
    void client.closed.then((c) => (this.closeCode = c.code));
  }

  static async start(
    url: string,
    pick: () => Utterance,
    pauseMs: readonly [number, number],
  ): Promise<Speaker> {
    const client = await FailoverClient.connect(url, {}, { backoffMs: 100 });
    const speaker = new Speaker(client, pick, pauseMs);
    await client.start({ audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, reply: { enabled: false } });
    return speaker;
  }

  private onEvent(e: ClientEvent): void {
    if (e.type === 'failover') {
      this.failovers.push(e);
      for (const u of e.lost) {
        const s = this.heard.get(`${this.connection}:${u}`);
        if (s) s.lost++;
      }
      if (e.connection !== null) {
        this.connection = e.connection;
        this.origin = e.originMs;
      }
    } else if (e.type === 'speech_start') {
      const at = this.origin + e.atMs;
      const s = this.said.findLast((x) => x.fromMs <= at + 100);
      if (s) this.heard.set(`${this.connection}:${e.utterance}`, s);
    } else if (e.type === 'intent') {
      const s = this.heard.get(`${this.connection}:${e.utterance}`);
      if (!s) return;
      s.intents++;
      if (s.intents === 1 && s.speechEndAt !== undefined) {
        s.intentAt = e.receivedAt;
        this.latencies.push({ at: e.receivedAt, ms: e.receivedAt - s.speechEndAt });
      }
    } else if (e.type === 'error') this.errors.push(e.code);
  }

  /** Sends every chunk due by the shared clock's `chunks` count. */
  tick(due: number): void {
    while (this.sentMs / chunkMs < due) {
      if (this.queue.length === 0) {
        if (!this.speaking) {
          this.sentMs += chunkMs;
          void this.client.sendAudio(silence).catch(() => undefined);
          continue;
        }
        this.next();
      }
      const c = this.queue.shift() as { bytes: Uint8Array; said?: Said; speechEnd?: boolean };
      void this.client.sendAudio(c.bytes).catch(() => undefined);
      if (c.speechEnd && c.said) c.said.speechEndAt = performance.now();
      this.sentMs += chunkMs;
    }
  }

  private next(): void {
    const u = this.pick();
    const s: Said = { fromMs: this.sentMs, intents: 0, lost: 0 };
    this.said.push(s);
    const [lo, hi] = this.pauseMs;
    const pause = Math.round((lo + Math.random() * (hi - lo)) / chunkMs);
    const chunks = u.audio.chunks.slice(0, u.audio.audioChunks);
    this.queue = [
      ...chunks.map((bytes, i) => ({ bytes, said: s, speechEnd: i === u.audio.speechEndChunk })),
      ...Array.from({ length: pause }, () => ({ bytes: silence })),
    ];
  }

  /** Says nothing new from now on (silence keeps going, so open utterances end). */
  quiet(): void {
    this.speaking = false;
  }

  /** Whether every command said is answered or reported lost. */
  get settled(): boolean {
    return this.queue.length === 0 && this.said.every((s) => s.intents > 0 || s.lost > 0);
  }

  /** Stops the session (`stop`, then `end`) and reports. */
  async finish(): Promise<SpeakerReport> {
    this.client.stop();
    const timer = setTimeout(() => void this.client.close(1000, 'no end'), 10_000);
    await this.client.closed;
    clearTimeout(timer);
    return {
      said: this.said.length,
      answered: this.said.filter((s) => s.intents > 0).length,
      answeredTwice: this.said.filter((s) => s.intents > 1).length,
      lost: this.said.filter((s) => s.lost > 0).length,
      answeredAndLost: this.said.filter((s) => s.intents > 0 && s.lost > 0).length,
      unanswered: this.said.filter((s) => s.intents === 0 && s.lost === 0).length,
      failovers: this.failovers,
      errors: this.errors,
      closeCode: this.closeCode,
    };
  }
}

/** Speakers on one 20 ms clock (one timer for all, as the bench's load generator does). */
export class Crowd {
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();

  constructor(readonly speakers: readonly Speaker[]) {}

  run(): void {
    this.timer = setInterval(() => {
      const due = Math.floor((performance.now() - this.t0) / chunkMs);
      for (const s of this.speakers) s.tick(due);
    }, chunkMs);
  }

  /** Says nothing new, waits (at most `timeoutMs`) until every command is answered or lost, then stops all. */
  async finish(timeoutMs = 15_000): Promise<SpeakerReport[]> {
    for (const s of this.speakers) s.quiet();
    const t0 = performance.now();
    while (!this.speakers.every((s) => s.settled) && performance.now() - t0 < timeoutMs)
      await new Promise((r) => setTimeout(r, 100));
    // No audio after `stop` (the server would drop it with VX_NOT_STARTED).
    if (this.timer) clearInterval(this.timer);
    return Promise.all(this.speakers.map((s) => s.finish()));
  }
}
