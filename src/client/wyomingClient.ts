import { type Socket, connect } from 'node:net';
import { EventReader, type WyomingEvent, encodeEvent } from '../protocol/wyoming/index.ts';

/**
 * A minimal Wyoming client over TCP, as Home Assistant's is: writes events, reads them back in order. The
 * tests replay Home Assistant's flows with it and the benchmark streams audio with it; `raw` writes any bytes
 * (a test's garbage).
 */
export class WyomingClient {
  /** Every event received, in order. */
  readonly events: WyomingEvent[] = [];
  /** Resolves when the socket closes (by either side). */
  readonly closed: Promise<void>;
  private readonly reader = new EventReader({ maxPayloadBytes: 64 * 1024 * 1024 });
  private readonly waiters: { match: (e: WyomingEvent) => boolean; resolve: (e: WyomingEvent) => void }[] =
    [];
  private readonly watchers: ((e: WyomingEvent) => void)[] = [];
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.reader.push(chunk)) {
        this.events.push(event);
        for (const watch of this.watchers) watch(event);
        for (const w of [...this.waiters]) {
          if (w.match(event)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(event);
          }
        }
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve();
      }),
    );
  }

  /** Connects to `host:port`, from `localAddress` when given (a test's second client address, e.g. 127.0.0.2). */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<WyomingClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, ...(localAddress ? { localAddress } : {}) }, () => {
        socket.off('error', reject);
        resolve(new WyomingClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Calls `watch` with every event from now on (the benchmark timestamps transcripts with it). */
  onEvent(watch: (e: WyomingEvent) => void): void {
    this.watchers.push(watch);
  }

  /** Writes one event. */
  send(type: string, data: Record<string, unknown> = {}, payload?: Uint8Array): void {
    this.socket.write(encodeEvent(type, data, payload));
  }

  /** Writes raw bytes. */
  raw(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** The first event (already received or still to come) that matches; rejects on close or after `timeoutMs`. */
  next(match: (e: WyomingEvent) => boolean, timeoutMs = 20_000): Promise<WyomingEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const fail = (why: string) => () =>
        reject(new Error(`${why}; got ${this.events.map((e) => e.type).join(',') || 'nothing'}`));
      const timer = setTimeout(fail('no matching event in time'), timeoutMs);
      this.waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
      void this.closed.then(() => {
        clearTimeout(timer);
        setImmediate(fail('the connection closed while waiting'));
      });
    });
  }

  /** The first event of `type`. */
  nextOf(type: string, timeoutMs?: number): Promise<WyomingEvent> {
    return this.next((e) => e.type === type, timeoutMs);
  }

  /** Whether the socket has closed. */
  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Closes the socket. */
  close(): void {
    this.socket.destroy();
  }
}
