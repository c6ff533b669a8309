import type { StartMessage } from '../protocol/messages.ts';
import type { VoxClientOptions } from './clientOptions.ts';
import { ClientError } from './errors.ts';
import type { ClientEvent, ErrorMessage, FailoverEvent, ReadyMessage } from './events.ts';
import { FailoverClient, type FailoverOptions } from './failoverClient.ts';
import { VoxClient, type CloseInfo } from './voxClient.ts';

/** What a session's feed sends audio to: a {@link VoxClient}, or a {@link FailoverClient} that outlives it. */
export type SessionAudio = Pick<VoxClient, 'sendAudio' | 'isOpen' | 'cancel'>;

/** Options of {@link runSession}. */
export interface RunSessionOptions {
  /** Server URL (`ws://` or `wss://`). */
  url: string;
  /** Connection options (token, headers, timeouts); `signal` is taken from {@link RunSessionOptions.signal}. */
  client?: Partial<Omit<VoxClientOptions, 'signal'>>;
  /** The `start` message. */
  start: StartMessage | Omit<StartMessage, 'type'>;
  /**
   * Sends the audio. Its signal fires on `stopSignal`, `signal` or when the socket closes; a feed that ends
   * then with ClientError `VX_ABORTED` is not counted as failed. `ready` says the session's limits.
   */
  feed: (client: SessionAudio, signal: AbortSignal, ready: ReadyMessage) => Promise<void>;
  /** Sees every event, from `ready` to the close. */
  onEvent?: (event: ClientEvent) => void;
  /** Graceful stop (first Ctrl-C): ends the feed; `stop` is then sent and the end awaited as usual. */
  stopSignal?: AbortSignal;
  /** Hard stop (second Ctrl-C): closes the socket at once (code 1001). */
  signal?: AbortSignal;
  /** After `stop`, time allowed for `end` and the close before the client closes itself, in ms. Default 30000. */
  endTimeoutMs?: number;
  /**
   * Move to a new connection on a go-away close (1001, 1006, 1012, 1013), sending again what the server had
   * not answered (see {@link FailoverClient}); null: a close ends the session. Default null.
   */
  failover?: Partial<FailoverOptions> | null;
}

/** How a session went. */
export interface SessionOutcome {
  readonly ready: ReadyMessage;
  readonly closed: CloseInfo;
  /** Whether the server sent `end`. */
  readonly ended: boolean;
  /** Every `error` message the server sent. */
  readonly errors: readonly ErrorMessage[];
  /** What the feed threw, other than an abort asked for through the signals; null when it finished. */
  readonly feedError: Error | null;
  /** Whether the client gave up waiting for `end` after `endTimeoutMs`. */
  readonly timedOut: boolean;
  /** `end` received, closed with 1000, no `error` message, no feed error. */
  readonly clean: boolean;
  /** Moves to a new connection (with `failover`), and the utterances each reported lost. */
  readonly failovers: readonly FailoverEvent[];
}

function anySignal(signals: readonly (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
}

/**
 * Runs one session: connect, `start`, feed audio, `stop`, wait for `end` and the close.
 * @throws ClientError `VX_CONNECT_FAILED`, `VX_START_FAILED` (the client is closed first) or `VX_ABORTED`
 */
export async function runSession(options: RunSessionOptions): Promise<SessionOutcome> {
  const endTimeoutMs = options.endTimeoutMs ?? 30_000;
  if (!(endTimeoutMs > 0)) throw new TypeError(`endTimeoutMs must be positive, got ${endTimeoutMs}`);
  const clientOptions = {
    ...options.client,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  const errors: ErrorMessage[] = [];
  const failovers: FailoverEvent[] = [];
  let ended = false;
  const onEvent = (event: ClientEvent): void => {
    if (event.type === 'error') errors.push(event);
    else if (event.type === 'end') ended = true;
    else if (event.type === 'failover') failovers.push(event);
    options.onEvent?.(event);
  };
  let client: VoxClient | FailoverClient;
  if (options.failover) {
    const failover = await FailoverClient.connect(options.url, clientOptions, options.failover);
    // The signal ends every connection; a close it causes is not a move.
    options.signal?.addEventListener('abort', () => void failover.close(1001, 'client aborted'), {
      once: true,
    });
    client = failover;
  } else client = await VoxClient.connect(options.url, clientOptions);
  client.events.subscribe(onEvent);
  let ready: ReadyMessage;
  try {
    ready = await client.start(options.start);
  } catch (error) {
    await client.close();
    throw error;
  }

  const closedSignal = new AbortController();
  void client.closed.then(() => closedSignal.abort());
  const feedSignal = anySignal([options.stopSignal, options.signal, closedSignal.signal]);
  let feedError: Error | null = null;
  try {
    await options.feed(client, feedSignal, ready);
  } catch (error) {
    const asked = feedSignal.aborted && error instanceof ClientError && error.code === 'VX_ABORTED';
    if (!asked) feedError = error instanceof Error ? error : new Error(String(error));
  }

  client.stop();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void client.close(1000, 'no end from server');
  }, endTimeoutMs);
  const closed = await client.closed;
  clearTimeout(timer);
  return {
    ready,
    closed,
    ended,
    errors,
    feedError,
    timedOut,
    clean: ended && closed.code === 1000 && errors.length === 0 && feedError === null && !timedOut,
    failovers,
  };
}
