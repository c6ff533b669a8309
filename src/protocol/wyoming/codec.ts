import { WyomingError } from './errors.ts';

/** The Wyoming protocol version our events carry in `version` (readers ignore it). */
export const wyomingVersion = '1.9.0';

/** One Wyoming event: a type, a JSON object of data, and raw bytes (audio) after it. */
export interface WyomingEvent {
  readonly type: string;
  /** The header's `data` with the data block merged over it; `{}` when there is neither. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The payload; empty when there is none. */
  readonly payload: Uint8Array;
}

/** Size limits of {@link EventReader}, in bytes. */
export interface EventLimits {
  /** Longest header line, its `\n` included. Default 16384. */
  readonly maxHeaderBytes: number;
  /** Largest data block (`data_length`). Default 262144. */
  readonly maxDataBytes: number;
  /** Largest payload (`payload_length`): 1 MiB is over 5 s of 48 kHz stereo audio. Default 1048576. */
  readonly maxPayloadBytes: number;
}

/** Defaults of {@link EventLimits}. */
export const defaultEventLimits: EventLimits = {
  maxHeaderBytes: 16_384,
  maxDataBytes: 262_144,
  maxPayloadBytes: 1_048_576,
};

const newline = 0x0a;

/**
 * Encodes one event as Wyoming frames it: a header line (`type`, `version`, and `data_length` /
 * `payload_length` when there is data or payload), the data as UTF-8 JSON, then the payload. Empty data and
 * an empty payload are left out, as the reference writer does.
 */
export function encodeEvent(
  type: string,
  data: Readonly<Record<string, unknown>> = {},
  payload: Uint8Array = new Uint8Array(0),
): Buffer {
  const dataBytes = Object.keys(data).length > 0 ? Buffer.from(JSON.stringify(data), 'utf8') : null;
  const header: Record<string, unknown> = { type, version: wyomingVersion };
  if (dataBytes) header['data_length'] = dataBytes.byteLength;
  if (payload.byteLength > 0) header['payload_length'] = payload.byteLength;
  const parts: Uint8Array[] = [Buffer.from(`${JSON.stringify(header)}\n`, 'utf8')];
  if (dataBytes) parts.push(dataBytes);
  if (payload.byteLength > 0) parts.push(payload);
  return Buffer.concat(parts);
}

type Pending = {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly dataLength: number;
  readonly payloadLength: number;
};

/**
 * Reads events from a byte stream, however it is cut into chunks. Lengths are checked against the limits as
 * soon as the header is read, so a `data_length` of 100 MB fails at once instead of being waited for.
 * After it throws, the stream is out of step: the connection must be closed.
 */
export class EventReader {
  private readonly limits: EventLimits;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: Pending | null = null;

  constructor(limits: Partial<EventLimits> = {}) {
    this.limits = { ...defaultEventLimits, ...limits };
  }

  /** Bytes received but not yet part of a whole event. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Whether a header has been read whose data or payload is still coming (a stop here is mid-event). */
  get midEvent(): boolean {
    return this.pending !== null || this.buffered > 0;
  }

  /**
   * Adds bytes and returns the events they complete, in order.
   * @throws WyomingError `VX_WY_BAD_EVENT` or `VX_WY_TOO_LARGE`
   */
  push(bytes: Uint8Array): WyomingEvent[] {
    if (bytes.byteLength > 0) {
      this.chunks.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.buffered += bytes.byteLength;
    }
    const events: WyomingEvent[] = [];
    for (;;) {
      if (this.pending === null) {
        const header = this.readHeader();
        if (header === null) return events;
        this.pending = header;
      }
      const { dataLength, payloadLength } = this.pending;
      if (this.buffered < dataLength + payloadLength) return events;
      const body = this.take(dataLength + payloadLength);
      const data = {
        ...this.pending.data,
        ...(dataLength > 0 ? parseData(body.subarray(0, dataLength)) : {}),
      };
      // A copy: the payload outlives the chunk it came in, which may be large.
      const payload = new Uint8Array(body.subarray(dataLength));
      events.push({ type: this.pending.type, data, payload });
      this.pending = null;
    }
  }

  private readHeader(): Pending | null {
    const joined = this.peekAll();
    const end = joined.indexOf(newline);
    if (end < 0) {
      if (joined.byteLength >= this.limits.maxHeaderBytes) {
        throw new WyomingError(
          'VX_WY_TOO_LARGE',
          `no end of the header line in ${joined.byteLength} bytes (limit ${this.limits.maxHeaderBytes})`,
        );
      }
      return null;
    }
    if (end + 1 > this.limits.maxHeaderBytes)
      throw new WyomingError(
        'VX_WY_TOO_LARGE',
        `a header line of ${end + 1} bytes is over the limit of ${this.limits.maxHeaderBytes}`,
      );
    const line = this.take(end + 1).subarray(0, end);
    return parseHeader(line, this.limits);
  }

  /** Everything buffered as one Buffer (joined once, then kept joined). */
  private peekAll(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private take(n: number): Buffer {
    const all = this.peekAll();
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.byteLength > 0 ? [rest] : [];
    this.buffered = rest.byteLength;
    return out;
  }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new WyomingError('VX_WY_BAD_EVENT', `${what} is not UTF-8 JSON`, { cause: error });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseHeader(line: Uint8Array, limits: EventLimits): Pending {
  const header = parseJson(line, 'the header line');
  if (!isObject(header) || typeof header['type'] !== 'string' || header['type'].length === 0)
    throw new WyomingError('VX_WY_BAD_EVENT', 'the header line must be a JSON object with a string `type`');
  const data = header['data'] ?? {};
  if (!isObject(data)) throw new WyomingError('VX_WY_BAD_EVENT', 'the header `data` must be an object');
  const length = (name: string, max: number): number => {
    const value = header[name] ?? 0;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new WyomingError('VX_WY_BAD_EVENT', `${name} must be a whole number of bytes`);
    if (value > max)
      throw new WyomingError('VX_WY_TOO_LARGE', `${name} ${value} is over the limit of ${max} bytes`);
    return value;
  };
  return {
    type: header['type'],
    data,
    dataLength: length('data_length', limits.maxDataBytes),
    payloadLength: length('payload_length', limits.maxPayloadBytes),
  };
}

function parseData(bytes: Uint8Array): Record<string, unknown> {
  const data = parseJson(bytes, 'the data block');
  if (!isObject(data)) throw new WyomingError('VX_WY_BAD_EVENT', 'the data block must be a JSON object');
  return data;
}
