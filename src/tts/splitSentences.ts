/** Options of {@link splitSentences}. */
export interface SplitSentencesOptions {
  /**
   * Longest piece returned, in UTF-16 code units; longer sentences are cut at the last clause
   * mark (`,;:`) or space before the limit. Default 1,000 (the TTS text limit).
   */
  maxLength?: number;
}

// Words after which a period does not end a sentence.
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'prof',
  'st',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
  'approx',
]);

// A run of terminators (with closing quotes/brackets), followed by whitespace or the end.
const SENTENCE_END = /[.!?…]+["'”’)\]]*(?=\s|$)/g;

/**
 * Splits a reply into sentences so each can be synthesized and streamed as soon as it is ready.
 * A sentence ends at `.`, `!`, `?` or `…` followed by whitespace, and at line breaks; periods after
 * common abbreviations (`Dr.`, `e.g.`) and inside numbers (`3.5`) do not end one.
 *
 * @returns trimmed, non-empty pieces, each at most `maxLength` long, in order.
 */
export function splitSentences(text: string, options: SplitSentencesOptions = {}): string[] {
  const maxLength = options.maxLength ?? 1000;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new TypeError(`maxLength: expected a positive integer, got ${maxLength}`);
  }
  const sentences: string[] = [];
  for (const line of text.split(/\r?\n|\r|\u2028|\u2029/)) {
    let start = 0;
    for (const match of line.matchAll(SENTENCE_END)) {
      const end = match.index + match[0].length;
      if (match[0].startsWith('.') && match[0].length === 1 && isAbbreviation(line, match.index)) continue;
      pushPiece(sentences, line.slice(start, end), maxLength);
      start = end;
    }
    pushPiece(sentences, line.slice(start), maxLength);
  }
  return sentences;
}

function isAbbreviation(line: string, periodIndex: number): boolean {
  const word = /(\S+)$/.exec(line.slice(0, periodIndex))?.[1]?.toLowerCase() ?? '';
  return ABBREVIATIONS.has(word.replace(/^["'“‘(\[]+/, ''));
}

function pushPiece(out: string[], piece: string, maxLength: number): void {
  let rest = piece.trim();
  while (rest.length > maxLength) {
    const head = rest.slice(0, maxLength);
    const clause = Math.max(head.lastIndexOf(', '), head.lastIndexOf('; '), head.lastIndexOf(': '));
    const cut = clause > 0 ? clause + 1 : head.lastIndexOf(' ') > 0 ? head.lastIndexOf(' ') : maxLength;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest !== '') out.push(rest);
}
