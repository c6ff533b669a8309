/** Options of {@link UnacknowledgedAudio}. */
export interface UnacknowledgedAudioOptions {
  /**
   * Audio held for sending again, ms: older audio is let go, and an open utterance that began before what is
   * held is reported lost rather than sent in part. Default 20000 (the server cuts an utterance at 15 s).
   */
  keepMs: number;
  /**
   * With no utterance open when the connection breaks, the latest audio sent again, ms: speech the server's
   * voice detector had not yet reported (it needs a few hundred ms to say `speech_start`). Default 1000.
   */
  tailMs: number;
  /** Audio sent again before an open utterance's `speech_start.atMs`, ms (the detector's own lead-in). Default 300. */
  preRollMs: number;
}

/** Defaults of {@link UnacknowledgedAudioOptions}. */
export const defaultUnacknowledgedAudioOptions: Readonly<UnacknowledgedAudioOptions> = Object.freeze({
  keepMs: 20_000,
  tailMs: 1000,
  preRollMs: 300,
});

/** One chunk of audio as sent, on the client's own timeline (ms of audio since its first chunk). */
interface HeldChunk {
  readonly bytes: Uint8Array;
  readonly atMs: number;
  readonly durationMs: number;
}

/** What to do with the audio of a broken connection. */
export interface Resend {
  /** Where the next connection's audio starts on the client's timeline, ms: its `atMs` 0. */
  readonly fromMs: number;
  /** The chunks to send first on the next connection, oldest first. */
  readonly chunks: readonly Uint8Array[];
  /** Their duration, ms. */
  readonly durationMs: number;
  /** Utterances of the broken connection (the server's numbers) that cannot be sent again: lost. */
  readonly lost: readonly number[];
}

/**
 * The audio a client sent that its server has not answered for, and what to send again when the connection
 * breaks. The client's audio is one timeline (ms since its first chunk) across connections; each connection's
 * stream time (`atMs` in `speech_start`, `speech_end`) starts at the timeline point its first chunk had.
 *
 * An utterance is settled when it is answered (`intent`, or an ending `error` other than a go-away one): its
 * audio up to its `speech_end` is never sent again, so that no command is answered twice. When the connection
 * breaks, the audio from the earliest open utterance (less `preRollMs`) is sent again, or with none open the
 * last `tailMs`; an open utterance whose start is no longer held is reported lost and nothing of it is sent.
 * Either its audio goes again or it is reported lost, never both.
 */
export class UnacknowledgedAudio {
  private readonly options: UnacknowledgedAudioOptions;
  private chunks: HeldChunk[] = [];
  private endMs = 0;
  private settledMs = 0;
  private originMs = 0;
  /** Open utterances of the current connection: the server's number → start on the timeline. */
  private readonly open = new Map<number, number>();
  private readonly ends = new Map<number, number>();

  constructor(options: Partial<UnacknowledgedAudioOptions> = {}) {
    this.options = { ...defaultUnacknowledgedAudioOptions, ...options };
    for (const field of ['keepMs', 'tailMs', 'preRollMs'] as const) {
      if (!(this.options[field] >= 0))
        throw new TypeError(`${field} must be ms >= 0, got ${this.options[field]}`);
    }
  }

  /** The end of the audio pushed, on the timeline, ms. */
  get heldUntilMs(): number {
    return this.endMs;
  }

  /** Where the current connection's stream time 0 lies on the timeline, ms. */
  get connectionOriginMs(): number {
    return this.originMs;
  }

  /** Records a chunk as sent (or to be sent); lets go of audio that is settled or older than `keepMs`. */
  push(bytes: Uint8Array, durationMs: number): void {
    this.chunks.push({ bytes, atMs: this.endMs, durationMs });
    this.endMs += durationMs;
    const keepFrom = Math.max(this.settledMs - this.options.preRollMs, this.endMs - this.options.keepMs);
    let drop = 0;
    while (drop < this.chunks.length) {
      const c = this.chunks[drop] as HeldChunk;
      if (c.atMs + c.durationMs > keepFrom) break;
      drop++;
    }
    if (drop > 0) this.chunks = this.chunks.slice(drop);
  }

  /** `speech_start` of the current connection. */
  speechStart(utterance: number, atMs: number): void {
    this.open.set(utterance, this.originMs + atMs);
  }

  /** `speech_end` of the current connection. */
  speechEnd(utterance: number, atMs: number): void {
    this.ends.set(utterance, this.originMs + atMs);
  }

  /** The utterance was answered: its audio (to its `speech_end`, else all sent so far) is settled. */
  answered(utterance: number): void {
    this.open.delete(utterance);
    const end = this.ends.get(utterance) ?? this.endMs;
    this.ends.delete(utterance);
    this.settledMs = Math.max(this.settledMs, end);
  }

  /** Utterances of the current connection not answered, the server's numbers. */
  get openUtterances(): number[] {
    return [...this.open.keys()];
  }

  /**
   * The connection broke: what to send again, and what is lost. Call {@link connected} with its `fromMs` once
   * the next connection is ready.
   */
  resend(): Resend {
    const starts = [...this.open.values()];
    const heldFrom = this.chunks[0]?.atMs ?? this.endMs;
    const from =
      starts.length > 0
        ? Math.max(this.settledMs, Math.min(...starts) - this.options.preRollMs)
        : Math.max(this.settledMs, this.endMs - this.options.tailMs);
    if (starts.some((s) => s < heldFrom)) {
      // An utterance whose start is gone: any part of it sent again could be answered as something else.
      return { fromMs: this.endMs, chunks: [], durationMs: 0, lost: [...this.open.keys()] };
    }
    // Whole chunks: the first one that ends after `from`.
    const first = this.chunks.findIndex((c) => c.atMs + c.durationMs > from);
    const chunks = first < 0 ? [] : this.chunks.slice(first);
    const fromMs = chunks[0]?.atMs ?? this.endMs;
    return { fromMs, chunks: chunks.map((c) => c.bytes), durationMs: this.endMs - fromMs, lost: [] };
  }

  /**
   * A new connection starts at `fromMs` (from {@link resend}): its stream times count from there. Audio
   * before it that was not sent again is settled (lost or never speech).
   */
  connected(fromMs: number): void {
    this.originMs = fromMs;
    this.settledMs = Math.max(this.settledMs, fromMs);
    this.open.clear();
    this.ends.clear();
  }
}
