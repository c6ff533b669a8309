import { BlockList, isIP } from 'node:net';
import { type EventLimits, defaultEventLimits } from '../../protocol/wyoming/index.ts';

/**
 * The Wyoming endpoint's own options. Everything else (models, contexts, session limits, budgets, idle and
 * session time limits, the real-time audio allowance) is the server's, read from the shared runtime.
 */
export interface WyomingOptions extends EventLimits {
  /** TCP port; 0 picks a free one. Default 10300 (the port Wyoming services conventionally use). */
  port: number;
  /** Interface to listen on. Default '0.0.0.0'. */
  host: string;
  /**
   * Client addresses allowed to connect: addresses (`192.168.1.20`, `::1`) and subnets (`192.168.1.0/24`,
   * `fd00::/8`). Others are closed at once, before any event is read. Default null: anyone who can reach
   * the port (Wyoming has no authentication; the server warns).
   */
  allowedAddresses: readonly string[] | null;
  /** Advertise the endpoint as `_wyoming._tcp` over mDNS (zeroconf) so Home Assistant discovers it. Default true. */
  zeroconf: boolean;
  /** The mDNS instance name. Default 'voxstream'. */
  zeroconfName: string;
  /**
   * The voices `info` offers for text to speech, the first used when none is named: null (the default) for every
   * voice the runtime offers (`--voices`), in its order, so that `info` lists exactly what `synthesize` accepts;
   * a list picks some of those (another is refused at start).
   */
  voices: readonly string[] | null;
  /** PCM samples per `audio-chunk` of synthesized speech. Default 1024 (as the reference TTS servers send). */
  samplesPerChunk: number;
}

/** Defaults of {@link WyomingOptions}. */
export const defaultWyomingOptions: WyomingOptions = {
  ...defaultEventLimits,
  port: 10300,
  host: '0.0.0.0',
  allowedAddresses: null,
  zeroconf: true,
  zeroconfName: 'voxstream',
  voices: null,
  samplesPerChunk: 1024,
};

/** espeak-ng voice names as the WebSocket `start.reply.voice` takes them. */
const voicePattern = /^[a-zA-Z0-9_+-]{1,40}$/;

/** Merges options over the defaults and validates them; throws TypeError naming the bad field. */
export function resolveWyomingOptions(options: Partial<WyomingOptions> = {}): WyomingOptions {
  const o: WyomingOptions = { ...defaultWyomingOptions, ...options };
  const int = (name: keyof WyomingOptions, min: number, max: number) => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new TypeError(`wyoming option ${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  };
  int('port', 0, 65535);
  int('maxHeaderBytes', 256, 1024 * 1024);
  int('maxDataBytes', 1024, 64 * 1024 * 1024);
  int('maxPayloadBytes', 1024, 64 * 1024 * 1024);
  int('samplesPerChunk', 64, 65536);
  if (typeof o.host !== 'string' || o.host.length === 0)
    throw new TypeError('wyoming option host must be an interface address');
  if (typeof o.zeroconf !== 'boolean') throw new TypeError('wyoming option zeroconf must be true or false');
  if (typeof o.zeroconfName !== 'string' || !/^[\w -]{1,63}$/.test(o.zeroconfName))
    throw new TypeError('wyoming option zeroconfName must be 1-63 letters, digits, spaces, _ or -');
  if (
    o.voices !== null &&
    (!Array.isArray(o.voices) || o.voices.length === 0 || !o.voices.every((v) => voicePattern.test(v)))
  )
    throw new TypeError(
      'wyoming option voices must be a non-empty list of espeak-ng voice names such as en-us',
    );
  if (o.allowedAddresses !== null) allowList(o.allowedAddresses);
  return o;
}

/**
 * The allow-list of {@link WyomingOptions.allowedAddresses} as a `BlockList` (its `check` answers "listed").
 * @throws TypeError naming an entry that is not an address or subnet
 */
export function allowList(entries: readonly string[]): BlockList {
  if (!Array.isArray(entries)) throw new TypeError('wyoming option allowedAddresses must be a list');
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix, extra] = String(entry).split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== null && (!/^\d+$/.test(prefix as string) || bits > max))
    )
      throw new TypeError(`wyoming option allowedAddresses: ${entry} is not an address or subnet`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === null) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return list;
}
