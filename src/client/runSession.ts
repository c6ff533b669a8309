import type { StartMessage } from '../protocol/messages.ts';
import type { VoxClientOptions } from './clientOptions.ts';
import { ClientError } from './errors.ts';
import type { ClientEvent, ErrorMessage, ReadyMessage } from './events.ts';
import { VoxClient, type CloseInfo } from './voxClient.ts';

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
  feed: (client: VoxClient, signal: AbortSignal, ready: ReadyMessage) => Promise<void>;
  /** Sees every event, from `ready` to the close. */
  onEvent?: (event: ClientEvent) => void;
  /** Graceful stop (first Ctrl-C): ends the feed; `stop` is then sent and the end awaited as usual. */
  stopSignal?: AbortSignal;
  /** Hard stop (second Ctrl-C): closes the socket at once (code 1001). */
  signal?: AbortSignal;
  /** After `stop`, time allowed for `end` and the close before the client closes itself, in ms. Default 30000. */
  endTimeoutMs?: number;
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
  const client = await VoxClient.connect(options.url, {
    ...options.client,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const errors: ErrorMessage[] = [];
  let ended = false;
  client.events.subscribe((event) => {
    if (event.type === 'error') errors.push(event);
    else if (event.type === 'end') ended = true;
    options.onEvent?.(event);
  });

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
  };
}
