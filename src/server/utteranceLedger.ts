import { type ServerMessage, endsUtterance } from '../protocol/index.ts';

/** How an accepted utterance ended. */
export type UtteranceOutcome = 'completed' | 'errored' | 'cancelled' | 'abandoned';

/** Where the ledger reports what it counts (the server's metrics). */
export interface LedgerSink {
  accepted(): void;
  ended(outcome: UtteranceOutcome, intent?: { readonly understood: boolean }): void;
  /** A message that would have ended an utterance a second time (or one never opened); it is not sent. */
  violation(message: ServerMessage): void;
}

/**
 * One session's utterance accounts, kept from the messages it sends: an utterance is accepted when its
 * `speech_start` goes out and ends with exactly one `intent` or one ending `error` (see `endsUtterance`);
 * those still open when the socket goes are abandoned. Also tracks replies still being spoken (from `intent`
 * until its `metrics` or `tts_interrupted`), so a draining session knows when its work is done.
 */
export class UtteranceLedger {
  private readonly open = new Set<number>();
  private readonly replying = new Set<number>();
  private last = 0;

  constructor(private readonly sink: LedgerSink) {}

  /**
   * Accounts for a message about to be sent.
   * @returns false when it must not be sent: it would end an utterance that is not open
   */
  admit(message: ServerMessage): boolean {
    switch (message.type) {
      case 'speech_start':
        this.open.add(message.utterance);
        this.last = Math.max(this.last, message.utterance);
        this.sink.accepted();
        return true;
      case 'intent':
        if (!this.open.delete(message.utterance)) return this.refuse(message);
        this.replying.add(message.utterance);
        this.sink.ended('completed', { understood: message.understood });
        return true;
      case 'error':
        if (!endsUtterance(message)) return true;
        if (!this.open.delete(message.utterance as number)) return this.refuse(message);
        this.sink.ended(message.code === 'VX_CANCELLED' ? 'cancelled' : 'errored');
        return true;
      case 'metrics':
      case 'tts_interrupted':
        this.replying.delete(message.utterance);
        return true;
      default:
        return true;
    }
  }

  /** Utterances accepted and not yet ended, oldest first. */
  get openUtterances(): number[] {
    return [...this.open].sort((a, b) => a - b);
  }

  /** The number of the last utterance accepted (0 before the first). */
  get lastAccepted(): number {
    return this.last;
  }

  /** Whether every utterance up to `utterance` has ended and its reply (if any) is done. */
  settledUpTo(utterance: number): boolean {
    for (const u of this.open) if (u <= utterance) return false;
    for (const u of this.replying) if (u <= utterance) return false;
    return true;
  }

  /** Ends every open utterance as abandoned (the socket is gone); returns how many there were. */
  abandonAll(): number {
    const n = this.open.size;
    for (let i = 0; i < n; i++) this.sink.ended('abandoned');
    this.open.clear();
    this.replying.clear();
    return n;
  }

  private refuse(message: ServerMessage): false {
    this.sink.violation(message);
    return false;
  }
}
