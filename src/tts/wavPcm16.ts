/** Mono 16-bit PCM read from a WAV file. */
export interface WavPcm16 {
  /** Hz. */
  sampleRate: number;
  pcm: Int16Array;
}

/**
 * Reads a RIFF/WAVE file holding 16-bit PCM mono audio, which is what espeak-ng writes. Deliberately
 * minimal (no other formats, no extensible headers); a data chunk whose declared size runs past the
 * end of the file (a header written for streaming) is cut to the bytes present.
 *
 * @returns `undefined` when the bytes are not such a file.
 */
export function readWavPcm16(bytes: Uint8Array): WavPcm16 | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 12 || fourCc(view, 0) !== 'RIFF' || fourCc(view, 8) !== 'WAVE') return undefined;

  let sampleRate: number | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const id = fourCc(view, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.byteLength) return undefined;
      const format = view.getUint16(body, true);
      const channels = view.getUint16(body + 2, true);
      const bitsPerSample = view.getUint16(body + 14, true);
      if (format !== 1 || channels !== 1 || bitsPerSample !== 16) return undefined;
      sampleRate = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      if (sampleRate === undefined) return undefined;
      const samples = Math.floor(Math.min(size, bytes.byteLength - body) / 2);
      const pcm = new Int16Array(samples);
      for (let i = 0; i < samples; i++) pcm[i] = view.getInt16(body + 2 * i, true);
      return { sampleRate, pcm };
    }
    // Chunks are padded to an even size.
    offset = body + size + (size & 1);
  }
  return undefined;
}

function fourCc(view: DataView, offset: number): string {
  return String.fromCharCode(
    view.getUint8(offset),
    view.getUint8(offset + 1),
    view.getUint8(offset + 2),
    view.getUint8(offset + 3),
  );
}
