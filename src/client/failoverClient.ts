import { performance } from 'node:perf_hooks';
import { Observable, Subject } from 'rxjs';
import { opusPacketSamples48k } from '../audio/index.ts';
import { endsUtterance } from '../protocol/errors.ts';
import type { StartMessage } from '../protocol/messages.ts';
import type { VoxClientOptions } from './clientOptions.ts';
import { ClientError } from './errors.ts';
import type { ClientEvent, ErrorMessage, FailoverEvent, ReadyMessage } from './events.ts';
import { UnacknowledgedAudio, type UnacknowledgedAudioOptions } from './unacknowledgedAudio.ts';
import { VoxClient, type CloseInfo } from './voxClient.ts';

/** Options of {@link FailoverClient}, besides the connection's own. */
export interface FailoverOptions extends UnacknowledgedAudioOptions {
  /**
   * Close codes that mean "go elsewhere": the client connects again (through the same URL, a load balancer).
   * Default 1001 (going away: a drain), 1006 (no close frame: the process or the network died), 1012 (service
   * restart) and 1013 (try again later).
   */
  codes: readonly number[];
  /** Connection attempts after a break before the client gives up. Default 6. */
  attempts: number;
  /** Wait before the second attempt, ms, doubled for each next one up to `maxBackoffMs`, with jitter. Default 100. */
  backoffMs: number;
  /** Longest wait between attempts, ms. Default 2000. */
  maxBackoffMs: number;
}

/** Defaults of {@link FailoverOptions}. */
export const defaultFailoverOptions: Readonly<Omit<FailoverOptions, keyof UnacknowledgedAudioOptions>> =
  Object.freeze({ codes: [1001, 1006, 1012, 1013], attempts: 6, backoffMs: 100, maxBackoffMs: 2000 });

/** Server error codes that come before a go-away close: the utterance they end is sent again elsewhere. */
const goAwayCodes: ReadonlySet<string> = new Set(['VX_SHUTTING_DOWN', 'VX_OVERLOADED']);

/** How far inside the server's burst allowance audio sent again stays, ms (as `voxstream stream --fast`). */
const burstMarginMs = 250;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One listening session that outlives its connections: when the server closes with a go-away code (a drain,
 * a restart, a process that died), it connects again with backoff, sends `start` again, sends again the
 * audio the server had not answered for (see {@link UnacknowledgedAudio}) within the server's burst
 * allowance, and emits a {@link FailoverEvent} that says what was sent again or lost: an utterance is either
 * sent again or reported lost, never both. The errors that came with the go-away close (`VX_SHUTTING_DOWN`,
 * `VX_OVERLOADED`) are not passed on when it moves. Events of every connection come out of one `events`;
 * their utterance numbers are the server's, per connection (`FailoverEvent.connection` says when it changes).
 */
export class FailoverClient {
  /** Every event of every connection, and a `failover` event at each move. Hot; completes at the end. */
  readonly events: Observable<ClientEvent>;
  /** Resolves once the last connection has closed and no other follows. */
  readonly closed: Promise<CloseInfo>;

  private readonly subject = new Subject<ClientEvent>();
  private pending: ClientEvent[] | null = [];
  private readonly audio: UnacknowledgedAudio;
  private client: VoxClient;
  private connection = 0;
  private queue: Uint8Array[] = [];
  private sentMs = 0;
  private connectedAt = performance.now();
  private aheadMs = Infinity;
  private flushing: Promise<void> | null = null;
  private withheld: ErrorMessage[] = [];
  private stopRequested = false;
  private userClosed = false;
  private ended = false;
  private finish!: (info: CloseInfo) => void;
  /** The `start` message, sent again on every new connection; null until {@link start}. */
  private startMessage: StartMessage | Omit<StartMessage, 'type'> | null = null;

  private constructor(
    first: VoxClient,
    private readonly url: string | URL,
    private readonly clientOptions: Partial<VoxClientOptions>,
    private readonly options: FailoverOptions,
  ) {
    this.client = first;
    this.audio = new UnacknowledgedAudio(options);
    this.closed = new Promise((resolve) => (this.finish = resolve));
    this.events = new Observable<ClientEvent>((subscriber) => {
      const pending = this.pending;
      this.pending = null;
      for (const event of pending ?? []) subscriber.next(event);
      return this.subject.subscribe(subscriber);
    });
    this.attach(first);
  }

  /**
   * Connects (the first connection is not retried: its failure is the caller's to see). Subscribe to `events`,
   * then {@link start}.
   * @throws as {@link VoxClient.connect}; TypeError for a bad option
   */
  static async connect(
    url: string | URL,
    clientOptions: Partial<VoxClientOptions> = {},
    options: Partial<FailoverOptions> = {},
  ): Promise<FailoverClient> {
    const o = { ...defaultFailoverOptions, ...options } as FailoverOptions;
    if (!Number.isInteger(o.attempts) || o.attempts < 0)
      throw new TypeError(`attempts must be a whole number >= 0, got ${o.attempts}`);
    if (!(o.backoffMs >= 0) || !(o.maxBackoffMs >= o.backoffMs))
      throw new TypeError('backoffMs must be >= 0 and maxBackoffMs >= backoffMs');
    return new FailoverClient(await VoxClient.connect(url, clientOptions), url, clientOptions, o);
  }

  /**
   * Sends `start` and waits for `ready`; the same `start` opens every later connection.
   * @throws as {@link VoxClient.start}
   */
  async start(message: StartMessage | Omit<StartMessage, 'type'>): Promise<ReadyMessage> {
    const ready = await this.client.start(message);
    this.startMessage = message;
    this.began(ready);
    return ready;
  }

  /** Whether a connection is open now (false while it moves). */
  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /**
   * Sends one chunk (PCM s16le or one Opus packet, as `start.audio` says) and holds it until answered. While
   * the session moves, the chunk is held and goes out on the next connection.
   * @throws ClientError `VX_NOT_OPEN` once the session has ended
   */
  async sendAudio(bytes: Uint8Array): Promise<void> {
    if (this.ended) throw new ClientError('VX_NOT_OPEN', 'sendAudio: the session has ended');
    this.audio.push(bytes, this.durationMs(bytes));
    if (!this.client.isOpen) return;
    this.queue.push(bytes);
    const flushed = this.flush();
    // Live audio goes at once; behind a long resend (paced by the burst allowance) the caller waits for it.
    if (this.queue.length > 1) await flushed;
  }

  /** Sends `stop` now, or once the audio held for the next connection has gone out. */
  stop(): boolean {
    if (this.stopRequested || this.ended) return false;
    this.stopRequested = true;
    if (this.queue.length === 0 && this.flushing === null) this.client.stop();
    return true;
  }

  /** Sends `cancel` on the current connection. */
  cancel(): boolean {
    return this.client.cancel();
  }

  /** Closes for good (no move follows). */
  close(code = 1000, reason = ''): Promise<CloseInfo> {
    this.userClosed = true;
    void this.client.close(code, reason);
    return this.closed;
  }

  private durationMs(bytes: Uint8Array): number {
    const { encoding, sampleRate } = (this.startMessage as StartMessage).audio;
    if (encoding === 'pcm_s16le') return (bytes.byteLength / 2 / sampleRate) * 1000;
    try {
      return opusPacketSamples48k(bytes) / 48;
    } catch {
      return 20;
    }
  }

  private emit(event: ClientEvent): void {
    if (this.pending !== null && this.pending.length < 256) this.pending.push(event);
    this.subject.next(event);
  }

  /** A connection's session is ready: its pacing starts. */
  private began(ready: ReadyMessage): void {
    // Audio sent again may run ahead of real time only within the allowance the server announced.
    this.aheadMs =
      typeof ready.audioBurstMs === 'number' ? Math.max(0, ready.audioBurstMs - burstMarginMs) : Infinity;
    this.sentMs = 0;
    this.connectedAt = performance.now();
  }

  private attach(client: VoxClient): void {
    const connection = this.connection;
    client.events.subscribe((event) => {
      if (connection !== this.connection) return;
      if (event.type === 'speech_start') this.audio.speechStart(event.utterance, event.atMs);
      else if (event.type === 'speech_end') this.audio.speechEnd(event.utterance, event.atMs);
      else if (event.type === 'intent') this.audio.answered(event.utterance);
      else if (event.type === 'error') {
        if (goAwayCodes.has(event.code) && (event.fatal || event.utterance !== undefined)) {
          // Kept back until the close says whether the session moves (then the utterance goes again).
          this.withheld.push(event);
          return;
        }
        if (event.utterance !== undefined && endsUtterance(event)) this.audio.answered(event.utterance);
      }
      // A connection's `ready` after the first is the client's own doing, not news to the caller.
      if (event.type === 'ready' && connection > 0) return;
      this.emit(event);
    });
    void client.closed.then((info) => this.onClose(info, connection));
  }

  private async onClose(info: CloseInfo, connection: number): Promise<void> {
    if (connection !== this.connection) return;
    const closedAt = performance.now();
    const move =
      !this.userClosed &&
      this.startMessage !== null &&
      this.options.codes.includes(info.code) &&
      !(this.stopRequested && info.code === 1000);
    if (!move) return this.end(info);
    const withheld = this.withheld;
    this.withheld = [];
    for (let attempt = 1; attempt <= this.options.attempts && !this.userClosed; attempt++) {
      if (attempt > 1) {
        const base = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** (attempt - 2));
        await sleep(base * (0.5 + Math.random() / 2));
      }
      let client: VoxClient;
      try {
        client = await VoxClient.connect(this.url, this.clientOptions);
      } catch {
        continue;
      }
      if (this.userClosed) {
        await client.close();
        break;
      }
      let ready: ReadyMessage;
      try {
        ready = await client.start(this.startMessage as StartMessage);
      } catch {
        await client.close();
        continue;
      }
      const resend = this.audio.resend();
      this.audio.connected(resend.fromMs);
      this.connection++;
      this.client = client;
      const event: FailoverEvent = {
        type: 'failover',
        closeCode: info.code,
        closedAt,
        reason: info.reason,
        connection: this.connection,
        attempts: attempt,
        originMs: resend.fromMs,
        resentMs: Math.round(resend.durationMs),
        lost: resend.lost,
        session: ready.session,
        receivedAt: performance.now(),
      };
      this.emit(event);
      this.attach(client);
      this.began(ready);
      this.queue = [...resend.chunks];
      void this.flush();
      return;
    }
    if (this.userClosed) return this.end(info);
    // Gave up: what was open is lost, and the errors that came with the close are the caller's after all.
    for (const error of withheld) this.emit(error);
    this.emit({
      type: 'failover',
      closeCode: info.code,
      closedAt,
      reason: info.reason,
      connection: null,
      attempts: this.options.attempts,
      originMs: this.audio.heldUntilMs,
      resentMs: 0,
      lost: this.audio.openUtterances,
      session: null,
      receivedAt: performance.now(),
    });
    this.end(info);
  }

  private end(info: CloseInfo): void {
    this.ended = true;
    for (const error of this.withheld) this.emit(error);
    this.withheld = [];
    this.subject.complete();
    this.finish(info);
  }

  /** Sends the queue in order, no further ahead of real time than the server allows; one loop at a time. */
  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      // Not one step before `flushing` is assigned: a loop with nothing to send would clear it too early.
      await null;
      const client = this.client;
      while (this.queue.length > 0 && client === this.client && client.isOpen) {
        const bytes = this.queue[0] as Uint8Array;
        const wait = this.sentMs - this.aheadMs - (performance.now() - this.connectedAt);
        if (wait > 0) await sleep(wait);
        if (client !== this.client || !client.isOpen) break;
        this.queue.shift();
        this.sentMs += this.durationMs(bytes);
        // A close while sending is seen by `onClose`: the held audio goes again from there.
        await client.sendAudio(bytes).catch(() => undefined);
      }
      this.flushing = null;
      // The session moved while this loop ran: the new connection's queue (the audio sent again) is not sent
      // by this loop, and the caller may send nothing more to start another.
      if (client !== this.client) return this.flush();
      if (this.stopRequested && this.queue.length === 0) client.stop();
    })();
    return this.flushing;
  }
}
