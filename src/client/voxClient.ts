import { performance } from 'node:perf_hooks';
import { Observable, Subject } from 'rxjs';
import WebSocket from 'ws';
import type { ClientMessage, StartMessage } from '../protocol/messages.ts';
import { resolveVoxClientOptions, type VoxClientOptions } from './clientOptions.ts';
import { ClientError } from './errors.ts';
import { serverMessageTypes, type ClientEvent, type ReadyMessage, type ReceivedMessage } from './events.ts';

/** How the socket ended. */
export interface CloseInfo {
  /** WebSocket close code (1000 normal, 1006 dropped without a close frame, ...). */
  readonly code: number;
  readonly reason: string;
  /** The socket error that preceded the close, if there was one. */
  readonly error?: Error;
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** The URL without query or credentials, for messages: a `token` query parameter must not leak into logs. */
function printable(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * A client of the voxstream WebSocket protocol: one connection, one listening session.
 *
 * ```ts
 * const client = await VoxClient.connect('ws://localhost:8080/');
 * client.events.subscribe((event) => console.log(event.type));
 * await client.start({ audio: { encoding: 'pcm_s16le', sampleRate: 16000 } });
 * await client.sendAudio(bytes); // resolves late when the socket is backed up
 * client.stop();
 * console.log(await client.closed); // { code: 1000, reason: '' } after `end`
 * ```
 */
export class VoxClient {
  /**
   * Every message from the server as sent, stamped with `receivedAt` (`performance.now()`, ms); binary messages
   * between `tts_start` and `tts_end`/`tts_interrupted` as `audio` events; unreadable text frames as
   * `bad_message`. Hot: subscribe before {@link start}. Events that arrive before the first subscription are
   * kept (up to `maxPendingEvents`) for it. Completes when the socket closes.
   */
  readonly events: Observable<ClientEvent>;
  /** Resolves (never rejects) once the socket has closed, for whatever reason. */
  readonly closed: Promise<CloseInfo>;

  private readonly ws: WebSocket;
  private readonly options: VoxClientOptions;
  private readonly subject = new Subject<ClientEvent>();
  private pending: ClientEvent[] | null = [];
  private state: 'open' | 'closing' | 'closed' = 'open';
  private socketError: Error | undefined;
  private ttsUtterance: number | null = null;
  private forceTimer: NodeJS.Timeout | undefined;
  private readonly onAbort = (): void => void this.close(1001, 'client aborted');
  private stray = 0;
  private stopSent = false;
  private droppedPending = 0;

  /** Use {@link VoxClient.connect}. Takes an already open socket and only attaches listeners. */
  private constructor(ws: WebSocket, options: VoxClientOptions) {
    this.ws = ws;
    this.options = options;
    this.events = new Observable<ClientEvent>((subscriber) => {
      const pending = this.pending;
      this.pending = null;
      for (const event of pending ?? []) subscriber.next(event);
      return this.subject.subscribe(subscriber);
    });
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (error) => {
      this.socketError = error;
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.state = 'closed';
        this.ttsUtterance = null;
        clearTimeout(this.forceTimer);
        options.signal?.removeEventListener('abort', this.onAbort);
        this.subject.complete();
        const info = { code, reason: reason.toString('utf8') };
        resolve(this.socketError === undefined ? info : { ...info, error: this.socketError });
      });
    });
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Opens a connection.
   * @param url - `ws://` or `wss://` URL of the server
   * @param options - merged over {@link defaultVoxClientOptions}
   * @throws TypeError for a bad URL or option; ClientError `VX_CONNECT_FAILED` (refused, HTTP error such as
   *   401, handshake timeout) or `VX_ABORTED`
   */
  static async connect(url: string | URL, options: Partial<VoxClientOptions> = {}): Promise<VoxClient> {
    const resolved = resolveVoxClientOptions(options);
    const target = new URL(url);
    if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
      throw new TypeError(`url must start with ws:// or wss://, got ${target.protocol}//`);
    }
    const headers: Record<string, string> = { ...resolved.headers };
    if (resolved.token !== undefined) {
      if (resolved.tokenVia === 'query') target.searchParams.set('token', resolved.token);
      else headers['authorization'] = `Bearer ${resolved.token}`;
    }
    const { signal } = resolved;
    if (signal?.aborted) throw new ClientError('VX_ABORTED', 'connect aborted', { cause: signal.reason });

    const ws = new WebSocket(target, {
      headers,
      handshakeTimeout: resolved.connectTimeoutMs,
      // Audio does not compress; deflate would only add latency and CPU on both ends.
      perMessageDeflate: false,
    });
    return new Promise<VoxClient>((resolve, reject) => {
      const settle = (): void => {
        ws.off('open', onOpen);
        ws.off('error', onError);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: ClientError): void => {
        settle();
        // terminate() while connecting emits one more 'error'; keep a listener so it is not thrown.
        ws.on('error', () => undefined);
        ws.terminate();
        reject(error);
      };
      const onOpen = (): void => {
        settle();
        // Built synchronously in the 'open' handler, so no frame can arrive before the listeners exist.
        resolve(new VoxClient(ws, resolved));
      };
      const onError = (error: Error): void =>
        fail(
          new ClientError('VX_CONNECT_FAILED', `cannot connect to ${printable(target)}: ${error.message}`, {
            cause: error,
          }),
        );
      const onAbort = (): void =>
        fail(new ClientError('VX_ABORTED', 'connect aborted', { cause: signal?.reason }));
      ws.on('open', onOpen);
      ws.on('error', onError);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Binary frames received outside `tts_start` … `tts_end` (a protocol violation); they are dropped. */
  get strayAudioFrames(): number {
    return this.stray;
  }

  /** Events dropped because more than `maxPendingEvents` arrived before anyone subscribed to `events`. */
  get droppedPendingEvents(): number {
    return this.droppedPending;
  }

  /** Whether the socket is open (not closing or closed). */
  get isOpen(): boolean {
    return this.state === 'open' && this.ws.readyState === WebSocket.OPEN;
  }

  /**
   * Sends `start` and waits for `ready`.
   * @param message - the `start` message; `type` may be left out
   * @returns the `ready` message
   * @throws ClientError `VX_START_FAILED` when the server answers with an `error` (its code in `serverCode`),
   *   closes, or sends no `ready` within `startTimeoutMs`; `VX_NOT_OPEN` when the socket is not open
   */
  start(message: StartMessage | Omit<StartMessage, 'type'>): Promise<ReadyMessage> {
    this.assertOpen('start');
    return new Promise<ReadyMessage>((resolve, reject) => {
      const fail = (text: string, serverCode?: string): void => {
        done();
        reject(new ClientError('VX_START_FAILED', text, serverCode === undefined ? {} : { serverCode }));
      };
      const subscription = this.subject.subscribe({
        next: (event) => {
          if (event.type === 'ready') {
            done();
            resolve(event);
          } else if (event.type === 'error') {
            fail(`server refused start: ${event.code}: ${event.message}`, event.code);
          }
        },
        complete: () =>
          void this.closed.then(({ code, reason }) => fail(`socket closed before ready (${code} ${reason})`)),
      });
      const timer = setTimeout(
        () => fail(`no ready within ${this.options.startTimeoutMs} ms`),
        this.options.startTimeoutMs,
      );
      const done = (): void => {
        clearTimeout(timer);
        subscription.unsubscribe();
      };
      this.sendJson({ type: 'start', ...message });
    });
  }

  /**
   * Sends one binary message: PCM s16le bytes, or exactly one Opus packet. Resolves at once unless more than
   * `highWaterMarkBytes` are buffered in the socket; then it resolves once this frame has been flushed, so a
   * caller that awaits every call never queues more than about that much.
   * @throws ClientError `VX_NOT_OPEN` when the socket is not open; `VX_CLOSED` when it closes (or starts
   *   closing) while waiting
   */
  async sendAudio(bytes: Uint8Array): Promise<void> {
    this.assertOpen('sendAudio');
    let failure: Error | undefined;
    const flushed = new Promise<void>((resolve) =>
      this.ws.send(bytes, { binary: true }, (error) => {
        failure = error ?? undefined;
        resolve();
      }),
    );
    if (this.ws.bufferedAmount <= this.options.highWaterMarkBytes) return;
    const closed = await Promise.race([flushed.then(() => null), this.closed]);
    // A socket torn down mid-write may still report the write done: treat any close while waiting as failure.
    if (closed !== null || failure !== undefined || this.ws.readyState !== WebSocket.OPEN) {
      const why = closed === null ? (failure?.message ?? 'closing') : `${closed.code} ${closed.reason}`;
      throw new ClientError('VX_CLOSED', `socket closed while sending audio (${why})`, { cause: failure });
    }
  }

  /**
   * Sends `stop` (once): the server finishes the current utterance, sends `end` and closes with 1000.
   * @returns whether it was sent (false when already sent or the socket is not open)
   */
  stop(): boolean {
    if (this.stopSent || !this.isOpen) return false;
    this.stopSent = true;
    this.sendJson({ type: 'stop' });
    return true;
  }

  /**
   * Sends `cancel`: the server drops the current utterance and any reply in progress and keeps listening.
   * @returns whether it was sent (false when the socket is not open)
   */
  cancel(): boolean {
    if (!this.isOpen) return false;
    this.sendJson({ type: 'cancel' });
    return true;
  }

  /**
   * Closes the socket (idempotent); terminates it if the closing handshake takes over `closeTimeoutMs`.
   * @param code - WebSocket close code, default 1000
   * @param reason - close reason, default empty
   * @returns {@link closed}
   */
  close(code = 1000, reason = ''): Promise<CloseInfo> {
    if (this.state === 'open') {
      this.state = 'closing';
      this.ws.close(code, reason);
      this.forceTimer = setTimeout(() => this.ws.terminate(), this.options.closeTimeoutMs);
      this.forceTimer.unref();
    }
    return this.closed;
  }

  private assertOpen(what: string): void {
    if (!this.isOpen) throw new ClientError('VX_NOT_OPEN', `${what}: the socket is not open`);
  }

  private sendJson(message: ClientMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  private emit(event: ClientEvent): void {
    if (this.pending !== null) {
      // Nobody has subscribed to `events` yet: keep the event for the first subscriber.
      if (this.pending.length < this.options.maxPendingEvents) this.pending.push(event);
      else this.droppedPending++;
    }
    // start() listens on the subject itself, so it sees `ready` whether or not `events` has a subscriber.
    this.subject.next(event);
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const receivedAt = performance.now();
    if (isBinary) {
      if (this.ttsUtterance === null) this.stray++;
      else this.emit({ type: 'audio', utterance: this.ttsUtterance, bytes: toBytes(data), receivedAt });
      return;
    }
    const text = Buffer.from(toBytes(data)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.emitBad('not JSON', text, receivedAt);
      return;
    }
    const type =
      typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !serverMessageTypes.has(type)) {
      this.emitBad(`unknown message type ${JSON.stringify(type)}`, text, receivedAt);
      return;
    }
    const message = { ...(parsed as object), receivedAt } as ReceivedMessage;
    if (message.type === 'tts_start') this.ttsUtterance = message.utterance;
    else if (
      (message.type === 'tts_end' || message.type === 'tts_interrupted') &&
      message.utterance === this.ttsUtterance
    ) {
      this.ttsUtterance = null;
    }
    this.emit(message);
  }

  private emitBad(reason: string, text: string, receivedAt: number): void {
    this.emit({ type: 'bad_message', reason, excerpt: text.slice(0, 200), receivedAt });
  }
}
