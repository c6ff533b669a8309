import { AudioError } from './errors.ts';
import { OGG_BOS, OGG_CONTINUED, OGG_EOS, readOggPages, writeOggPage, type OggPage } from './oggPage.ts';
import { opusPacketSamples48k } from './opusPacket.ts';

/** An Ogg Opus stream split into its audio packets. */
export interface OggOpus {
  /** Original input sample rate in Hz from OpusHead (informational; 0 there is reported as 48000). */
  sampleRate: number;
  /** Samples at 48 kHz to discard from the start of the decoded audio. */
  preSkip: number;
  /** Channel count from OpusHead (1 or 2). */
  channels: number;
  /** Audio packets in order (OpusHead and OpusTags removed). */
  packets: Uint8Array[];
  /**
   * Granule position of the last page that has one: pre-skip plus the playable length, in 48 kHz samples.
   * Decoded audio beyond `lastGranule − preSkip` samples (at 48 kHz) is encoder padding. -1 if none.
   */
  lastGranule: number;
}

/** Options of {@link writeOggOpus}. */
export interface WriteOggOpusOptions {
  /** Channels coded in the packets: 1 or 2. */
  channels: number;
  /** Encoder delay to skip at the start, in 48 kHz samples (libopus reports 312 at 48 kHz input). */
  preSkip: number;
  /** Sample rate in Hz of the audio before encoding (informational for players). */
  inputSampleRate: number;
  /**
   * Playable length in 48 kHz samples, excluding pre-skip. When given, the final granule position becomes
   * `preSkip + sampleCount` and decoders drop the padding of the last packet. Default: everything the
   * packets decode to, minus pre-skip.
   */
  sampleCount?: number;
  /** Ogg logical stream serial number. Default 0x766f7873 ("voxs"). */
  serial?: number;
}

const OPUS_HEAD = 'OpusHead';
const OPUS_TAGS = 'OpusTags';
const VENDOR = 'voxstream';
/** Close a page once it holds about a second of audio, as opusenc does. */
const PAGE_SAMPLES_48K = 48000;

function startsWith(bytes: Uint8Array, magic: string): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
  return true;
}

function bad(message: string): AudioError {
  return new AudioError('VX_BAD_AUDIO', `Ogg Opus: ${message}`);
}

/** Reassembles the packets of one logical stream from its pages (lacing values < 255 end a packet). */
function packetsOf(pages: OggPage[]): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let parts: Uint8Array[] = [];
  for (const page of pages) {
    if ((page.flags & OGG_CONTINUED) === 0 && parts.length > 0)
      throw bad('packet continues into an unflagged page');
    // A continuation with nothing before it (a stream cut mid-packet) is dropped until the next packet starts.
    let skipping = (page.flags & OGG_CONTINUED) !== 0 && parts.length === 0;
    let offset = 0;
    for (const size of page.lacing) {
      if (!skipping) parts.push(page.body.subarray(offset, offset + size));
      offset += size;
      if (size < 255) {
        if (!skipping) packets.push(parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts));
        parts = [];
        skipping = false;
      }
    }
  }
  // A packet left open at the end of a truncated file is dropped.
  return packets;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.length), 0);
  return out;
}

/**
 * Splits an Ogg Opus file (RFC 7845) into Opus packets: finds the first logical stream that starts with
 * OpusHead, checks page CRCs, joins packets continued across pages and drops the OpusHead/OpusTags headers.
 * Only channel mapping family 0 (mono or stereo) is supported.
 * @param bytes - the whole file
 * @throws AudioError `VX_BAD_AUDIO` for a malformed or unsupported file
 */
export function readOggOpus(bytes: Uint8Array): OggOpus {
  const pages = readOggPages(bytes);
  const first = pages.find((p) => (p.flags & OGG_BOS) !== 0 && startsWith(p.body, OPUS_HEAD));
  if (first === undefined) throw bad('no Opus stream (no OpusHead on a first page)');
  const own = pages.filter((p) => p.serial === first.serial);
  const [head, tags, ...packets] = packetsOf(own);
  if (head === undefined || head.length < 19) throw bad('OpusHead is truncated');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const version = view.getUint8(8);
  if (version >> 4 !== 0) throw bad(`unsupported OpusHead version ${version}`);
  const channels = view.getUint8(9);
  const family = view.getUint8(18);
  if (family !== 0 || channels < 1 || channels > 2) {
    throw bad(`unsupported channel mapping family ${family} with ${channels} channels`);
  }
  if (tags === undefined || !startsWith(tags, OPUS_TAGS)) throw bad('OpusTags missing');
  const granules = own.filter((p) => p.granule >= 0);
  const inputRate = view.getUint32(12, true);
  return {
    sampleRate: inputRate === 0 ? 48000 : inputRate,
    preSkip: view.getUint16(10, true),
    channels,
    packets,
    lastGranule: granules.at(-1)?.granule ?? -1,
  };
}

function headerPackets(options: WriteOggOpusOptions): [Uint8Array, Uint8Array] {
  const head = new Uint8Array(19);
  const hv = new DataView(head.buffer);
  head.set(Array.from(OPUS_HEAD, (c) => c.charCodeAt(0)));
  hv.setUint8(8, 1);
  hv.setUint8(9, options.channels);
  hv.setUint16(10, options.preSkip, true);
  hv.setUint32(12, options.inputSampleRate, true);
  // Output gain 0 and mapping family 0 are already zero.
  const vendor = new TextEncoder().encode(VENDOR);
  const tags = new Uint8Array(8 + 4 + vendor.length + 4);
  const tv = new DataView(tags.buffer);
  tags.set(Array.from(OPUS_TAGS, (c) => c.charCodeAt(0)));
  tv.setUint32(8, vendor.length, true);
  tags.set(vendor, 12);
  tv.setUint32(12 + vendor.length, 0, true); // no user comments
  return [head, tags];
}

function validate(options: WriteOggOpusOptions): void {
  const { channels, preSkip, inputSampleRate, sampleCount, serial } = options;
  if (channels !== 1 && channels !== 2) throw new TypeError(`channels must be 1 or 2, got ${channels}`);
  if (!Number.isInteger(preSkip) || preSkip < 0 || preSkip > 0xffff) {
    throw new TypeError(`preSkip must be an integer in 0 … 65535, got ${preSkip}`);
  }
  if (!Number.isInteger(inputSampleRate) || inputSampleRate < 0 || inputSampleRate > 0xffffffff) {
    throw new TypeError(`inputSampleRate must be a non-negative integer Hz, got ${inputSampleRate}`);
  }
  if (sampleCount !== undefined && (!Number.isInteger(sampleCount) || sampleCount < 0)) {
    throw new TypeError(`sampleCount must be a non-negative integer, got ${sampleCount}`);
  }
  if (serial !== undefined && (!Number.isInteger(serial) || serial < 0 || serial > 0xffffffff)) {
    throw new TypeError(`serial must be a 32-bit unsigned integer, got ${serial}`);
  }
}

/**
 * Writes Opus packets as an Ogg Opus file (RFC 7845): OpusHead and OpusTags pages, then audio pages of up
 * to about a second each, with 48 kHz granule positions and CRCs; the last page carries end-of-stream.
 * @param packets - Opus packets of one mono or stereo stream, in order
 * @param options - header fields; see {@link WriteOggOpusOptions}
 * @returns the file bytes
 * @throws TypeError for a bad option; AudioError `VX_BAD_OPUS` for a packet with an invalid TOC
 */
export function writeOggOpus(packets: readonly Uint8Array[], options: WriteOggOpusOptions): Uint8Array {
  validate(options);
  const serial = options.serial ?? 0x766f7873;
  const durations = packets.map(opusPacketSamples48k);
  const total = durations.reduce((a, b) => a + b, 0);
  if (options.sampleCount !== undefined && options.preSkip + options.sampleCount > total) {
    throw new TypeError(`preSkip + sampleCount exceeds the packets' ${total} samples`);
  }
  const out: Uint8Array[] = [];
  let sequence = 0;
  const [head, tags] = headerPackets(options);
  const single = (body: Uint8Array, flags: number): void => {
    out.push(
      writeOggPage({
        flags,
        granule: 0,
        serial,
        sequence: sequence++,
        lacing: Uint8Array.from(lacingOf(body.length)),
        body,
      }),
    );
  };
  single(head, OGG_BOS);
  single(tags, packets.length === 0 ? OGG_EOS : 0);

  let lacing: number[] = [];
  let body: Uint8Array[] = [];
  let pageGranule = -1;
  let pageSamples = 0;
  let continued = false;
  let previousGranule = 0;
  const flushPage = (flags: number, midPacket: boolean): void => {
    out.push(
      writeOggPage({
        flags: flags | (continued ? OGG_CONTINUED : 0),
        granule: pageGranule,
        serial,
        sequence: sequence++,
        lacing: Uint8Array.from(lacing),
        body: concat(body),
      }),
    );
    lacing = [];
    body = [];
    if (pageGranule >= 0) previousGranule = pageGranule;
    pageGranule = -1;
    pageSamples = 0;
    continued = midPacket;
  };
  // Granule positions count decoded samples, pre-skip included (RFC 7845 §4).
  let granule = 0;
  packets.forEach((packet, i) => {
    if (pageSamples >= PAGE_SAMPLES_48K) flushPage(0, false);
    let offset = 0;
    for (const size of lacingOf(packet.length)) {
      // A full page ends mid-packet unless this is the packet's first segment.
      if (lacing.length === 255) flushPage(0, offset > 0);
      lacing.push(size);
      body.push(packet.subarray(offset, offset + size));
      offset += size;
    }
    const duration = durations[i] as number;
    granule += duration;
    pageGranule = granule;
    pageSamples += duration;
  });
  if (packets.length > 0) {
    if (options.sampleCount !== undefined) {
      // End trimming may only cut into the last page's audio (RFC 7845 §4.5).
      pageGranule = options.preSkip + options.sampleCount;
      if (pageGranule < previousGranule) {
        throw new TypeError(`sampleCount ${options.sampleCount} would trim beyond the last page`);
      }
    }
    flushPage(OGG_EOS, false);
  }
  return concat(out);
}

/** Lacing values for one packet: 255 per full segment, then the remainder (0 if it divides evenly). */
function lacingOf(size: number): number[] {
  const values = new Array<number>(Math.floor(size / 255)).fill(255);
  values.push(size % 255);
  return values;
}
