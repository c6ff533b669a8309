import { AudioError } from './errors.ts';

/** Header-type flag bits of an Ogg page. */
export const OGG_CONTINUED = 1;
export const OGG_BOS = 2;
export const OGG_EOS = 4;

/** One Ogg page, parsed. */
export interface OggPage {
  /** Header-type flags: {@link OGG_CONTINUED}, {@link OGG_BOS}, {@link OGG_EOS}. */
  flags: number;
  /** Granule position; -1 when no packet ends on this page. Exact up to 2^53. */
  granule: number;
  serial: number;
  sequence: number;
  /** Lacing values, one per segment. */
  lacing: Uint8Array;
  /** The page body (all segments back to back), a view into the file. */
  body: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let b = 0; b < 8; b++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, no final XOR. */
export function oggCrc32(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc = ((crc << 8) ^ (CRC_TABLE[((crc >>> 24) ^ (bytes[i] as number)) & 0xff] as number)) >>> 0;
  }
  return crc;
}

function bad(message: string): AudioError {
  return new AudioError('VX_BAD_AUDIO', `Ogg: ${message}`);
}

/**
 * Parses every page of an Ogg file, checking capture patterns, versions and CRCs.
 * @throws AudioError `VX_BAD_AUDIO` for a truncated or corrupt page
 */
export function readOggPages(bytes: Uint8Array): OggPage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pages: OggPage[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    if (offset + 27 > bytes.byteLength) throw bad(`truncated page header at byte ${offset}`);
    if (view.getUint32(offset) !== 0x4f676753) throw bad(`no capture pattern "OggS" at byte ${offset}`);
    if (view.getUint8(offset + 4) !== 0) throw bad(`unsupported version at byte ${offset}`);
    const segments = view.getUint8(offset + 26);
    const headerSize = 27 + segments;
    if (offset + headerSize > bytes.byteLength) throw bad(`truncated lacing table at byte ${offset}`);
    const lacing = bytes.subarray(offset + 27, offset + headerSize);
    const bodySize = lacing.reduce((sum, v) => sum + v, 0);
    const end = offset + headerSize + bodySize;
    if (end > bytes.byteLength) throw bad(`truncated page body at byte ${offset}`);
    const page = bytes.slice(offset, end);
    const stored = view.getUint32(offset + 22, true);
    page.fill(0, 22, 26);
    if (oggCrc32(page) !== stored) throw bad(`CRC mismatch in page at byte ${offset}`);
    const low = view.getUint32(offset + 6, true);
    const high = view.getInt32(offset + 10, true);
    pages.push({
      flags: view.getUint8(offset + 5),
      granule: high === -1 && low === 0xffffffff ? -1 : high * 2 ** 32 + low,
      serial: view.getUint32(offset + 14, true),
      sequence: view.getUint32(offset + 18, true),
      lacing,
      body: bytes.subarray(offset + headerSize, end),
    });
    offset = end;
  }
  return pages;
}

/**
 * Builds one Ogg page with its CRC.
 * @param page - header fields and the lacing values describing `body`
 * @returns the page bytes
 */
export function writeOggPage(page: OggPage): Uint8Array {
  const { lacing, body } = page;
  if (lacing.length > 255)
    throw new RangeError(`an Ogg page holds at most 255 segments, got ${lacing.length}`);
  const out = new Uint8Array(27 + lacing.length + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x4f676753);
  view.setUint8(4, 0);
  view.setUint8(5, page.flags);
  if (page.granule < 0) {
    view.setUint32(6, 0xffffffff, true);
    view.setUint32(10, 0xffffffff, true);
  } else {
    view.setUint32(6, page.granule % 2 ** 32, true);
    view.setUint32(10, Math.floor(page.granule / 2 ** 32), true);
  }
  view.setUint32(14, page.serial, true);
  view.setUint32(18, page.sequence, true);
  view.setUint8(26, lacing.length);
  out.set(lacing, 27);
  out.set(body, 27 + lacing.length);
  view.setUint32(22, oggCrc32(out), true);
  return out;
}
