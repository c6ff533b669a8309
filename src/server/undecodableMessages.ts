import { opusPacketSamples48k } from '../audio/index.ts';
import type { AudioEncoding } from '../protocol/index.ts';
import { TokenBucket } from './tokenBucket.ts';

/** What one session allows of binary messages that do not decode. */
export interface UndecodableMessageLimits {
  /** Errors sent per code (`VX_BAD_AUDIO`, `VX_BAD_OPUS`); later messages are only counted. */
  readonly reportedPerCode: number;
  /** Undecodable messages a session may send at once before the rate applies. */
  readonly burst: number;
  /** Undecodable messages a second a session may send for as long as it likes (a flaky encoder). */
  readonly perSec: number;
}

/** Defaults of {@link UndecodableMessageLimits}: 10 errors per code, 50 messages at once, 5 a second. */
export const defaultUndecodableMessageLimits: UndecodableMessageLimits = {
  reportedPerCode: 10,
  burst: 50,
  perSec: 5,
};

/** What to do with one undecodable message. */
export type UndecodableVerdict = 'report' | 'count' | 'flood';

/**
 * Counts one session's undecodable messages: the first few of each code are reported (`report`), the rest
 * only counted (`count`), and more than the burst allowance plus the rate is a flood (`flood`), which ends the
 * session. A message that does not decode costs the server a counter, never a queued item or an error per message.
 */
export class UndecodableMessages {
  private readonly reported = new Map<string, number>();
  private readonly allowance: TokenBucket;
  /** Undecodable messages seen, in all. */
  count = 0;

  constructor(readonly limits: UndecodableMessageLimits = defaultUndecodableMessageLimits) {
    this.allowance = new TokenBucket(limits.perSec / 1000, limits.burst);
  }

  /** Notes one undecodable message of `code` and says what to do with it. */
  note(code: string, now: number = performance.now()): UndecodableVerdict {
    this.count++;
    if (!this.allowance.take(1, now)) return 'flood';
    const n = (this.reported.get(code) ?? 0) + 1;
    this.reported.set(code, n);
    return n <= this.limits.reportedPerCode ? 'report' : 'count';
  }
}

/**
 * Why a binary message cannot be audio of `encoding`, checked before it is queued (from its length, or an Opus
 * packet's table of contents), or null when it may be. An Opus packet that passes can still fail to decode.
 */
export function undecodable(
  bytes: Uint8Array,
  encoding: AudioEncoding,
): { readonly code: 'VX_BAD_AUDIO' | 'VX_BAD_OPUS'; readonly message: string } | null {
  if (encoding === 'pcm_s16le') {
    if (bytes.byteLength % 2 === 0) return null;
    return {
      code: 'VX_BAD_AUDIO',
      message: `PCM message of ${bytes.byteLength} bytes is not whole 16-bit samples; it was dropped`,
    };
  }
  try {
    opusPacketSamples48k(bytes);
    return null;
  } catch (error) {
    return { code: 'VX_BAD_OPUS', message: `${(error as Error).message}; it was dropped` };
  }
}
