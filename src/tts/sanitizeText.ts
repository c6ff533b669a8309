import { TtsError } from './ttsError.ts';

/** Longest text accepted by one synthesis request, in UTF-16 code units. */
export const MAX_TTS_TEXT_LENGTH = 1000;

// C0/C1 controls (incl. newlines and espeak's 0x01 embedded-command marker), DEL, and the Unicode
// line/paragraph separators: all become plain spaces.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Validates reply text and makes it safe to hand to espeak-ng as file content: control characters
 * become spaces, espeak's `[[phoneme]]` input syntax is broken up, whitespace is collapsed.
 * The text is never passed on a command line, so it cannot inject options.
 *
 * @returns the cleaned text; empty when there is nothing to say.
 * @throws TtsError `VX_TTS_TEXT` when `text` is not a string or is over {@link MAX_TTS_TEXT_LENGTH}.
 */
export function sanitizeTtsText(text: unknown): string {
  if (typeof text !== 'string') {
    throw new TtsError('VX_TTS_TEXT', `text must be a string, got ${typeof text}`);
  }
  if (text.length > MAX_TTS_TEXT_LENGTH) {
    throw new TtsError(
      'VX_TTS_TEXT',
      `text is ${text.length} characters long; the limit is ${MAX_TTS_TEXT_LENGTH}`,
    );
  }
  return text
    .replace(CONTROL_CHARS, ' ')
    .replace(/\[(?=\[)/g, '[ ')
    .replace(/\s+/g, ' ')
    .trim();
}
