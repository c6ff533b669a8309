import { writeFile } from 'node:fs/promises';
import { AudioError, bytesToInt16, encodeWav, OPUS_SAMPLE_RATES, OpusDecoderStream } from '../audio/index.ts';
import type { AudioEncoding } from '../protocol/messages.ts';
import type { ClientEvent } from './events.ts';

/**
 * The spoken reply of one utterance, collected from its binary messages: PCM s16le chunks are concatenated
 * (a sample split across two frames is rejoined), Opus packets are decoded one by one.
 */
export class ReplyAudio {
  readonly utterance: number;
  /** Encoding of the frames, from `tts_start`. */
  readonly encoding: AudioEncoding;
  /** Sample rate of the collected PCM in Hz: the `tts_start` rate (48000 for Opus at a rate libopus lacks). */
  readonly sampleRate: number;
  /** `receiving` until `tts_end` (`complete`) or `tts_interrupted` (`interrupted`). */
  state: 'receiving' | 'complete' | 'interrupted' = 'receiving';
  /** Binary frames received. */
  frames = 0;
  /** Bytes received (sum of frame sizes). */
  bytes = 0;
  /** The byte count the server reported in `tts_end`, or null before it. */
  expectedBytes: number | null = null;
  /** Opus packets the decoder rejected; they add no samples. */
  corruptPackets = 0;
  /** `receivedAt` of the first frame, or null before it. */
  firstFrameAt: number | null = null;

  private readonly decoder: OpusDecoderStream | null;
  private readonly parts: Int16Array[] = [];
  private samples = 0;
  private oddByte: number | null = null;

  /**
   * @param utterance - utterance number from `tts_start`
   * @param encoding - frame encoding from `tts_start`
   * @param sampleRate - sample rate from `tts_start`, in Hz
   */
  constructor(utterance: number, encoding: AudioEncoding, sampleRate: number) {
    this.utterance = utterance;
    this.encoding = encoding;
    if (encoding === 'opus') {
      this.sampleRate = OPUS_SAMPLE_RATES.includes(sampleRate) ? sampleRate : 48000;
      this.decoder = new OpusDecoderStream({ sampleRate: this.sampleRate });
    } else {
      this.sampleRate = sampleRate;
      this.decoder = null;
    }
  }

  /**
   * Adds one binary message.
   * @param bytes - PCM s16le bytes, or one Opus packet
   * @param receivedAt - its receive time (`performance.now()`, ms), for {@link firstFrameAt}
   */
  push(bytes: Uint8Array, receivedAt?: number): void {
    this.frames++;
    this.bytes += bytes.byteLength;
    this.firstFrameAt ??= receivedAt ?? null;
    if (this.decoder !== null) {
      try {
        this.add(this.decoder.decode(bytes));
      } catch (error) {
        if (!(error instanceof AudioError)) throw error;
        this.corruptPackets++;
      }
      return;
    }
    let pcm = bytes;
    if (this.oddByte !== null) {
      pcm = new Uint8Array(bytes.byteLength + 1);
      pcm[0] = this.oddByte;
      pcm.set(bytes, 1);
      this.oddByte = null;
    }
    if (pcm.byteLength % 2 === 1) {
      this.oddByte = pcm[pcm.byteLength - 1] as number;
      pcm = pcm.subarray(0, pcm.byteLength - 1);
    }
    // Copy: bytesToInt16 may return a view of the socket's buffer.
    this.add(bytesToInt16(pcm).slice());
  }

  /** Duration of the collected audio, in ms. */
  get durationMs(): number {
    return (this.samples * 1000) / this.sampleRate;
  }

  /** @returns all collected audio as one Int16Array PCM, mono, at {@link sampleRate} */
  toInt16(): Int16Array {
    const out = new Int16Array(this.samples);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** @returns a 16-bit mono WAV file of the collected audio */
  toWav(): Uint8Array {
    return encodeWav(this.toInt16(), this.sampleRate);
  }

  private add(pcm: Int16Array): void {
    this.parts.push(pcm);
    this.samples += pcm.length;
  }
}

/** Collects the reply audio of every utterance from a client's events (feed it each event). */
export class ReplyRecorder {
  /** Utterance number → its reply audio, in `tts_start` order. */
  readonly replies = new Map<number, ReplyAudio>();

  /** Handles `tts_start`, `audio`, `tts_end` and `tts_interrupted`; ignores every other event. */
  handle(event: ClientEvent): void {
    if (event.type === 'tts_start') {
      this.replies.set(event.utterance, new ReplyAudio(event.utterance, event.encoding, event.sampleRate));
      return;
    }
    if (event.type !== 'audio' && event.type !== 'tts_end' && event.type !== 'tts_interrupted') return;
    const reply = this.replies.get(event.utterance);
    if (reply === undefined) return;
    if (event.type === 'audio') reply.push(event.bytes, event.receivedAt);
    else if (event.type === 'tts_end') {
      reply.state = 'complete';
      reply.expectedBytes = event.bytes;
    } else reply.state = 'interrupted';
  }
}

/**
 * Writes replies as WAV files. One reply goes to `path` itself; several go to `path` with `-<utterance>`
 * inserted before the extension (`out.wav` → `out-1.wav`, `out-2.wav`).
 * @param replies - the replies to write (empty ones included)
 * @param path - target file path
 * @returns the paths written, in order
 */
export async function writeReplyWavs(replies: Iterable<ReplyAudio>, path: string): Promise<string[]> {
  const list = [...replies];
  const dot = path.lastIndexOf('.');
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const [stem, ext] = dot > slash ? [path.slice(0, dot), path.slice(dot)] : [path, ''];
  const written: string[] = [];
  for (const reply of list) {
    const target = list.length === 1 ? path : `${stem}-${reply.utterance}${ext}`;
    await writeFile(target, reply.toWav());
    written.push(target);
  }
  return written;
}
