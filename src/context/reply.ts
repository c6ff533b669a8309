/**
 * Reply templates turn an intent's slots into a sentence to speak.
 *
 * Syntax: text with `{slotName}` placeholders, and `[ ... ]` optional segments.
 * Semantics: a placeholder renders its slot's value as written in the context; a missing (or empty)
 * slot renders as nothing. An optional segment renders only when every placeholder in it has a value,
 * so `"Here's the weather[ in {city}]."` reads well with or without a city. Afterwards runs of
 * whitespace collapse to one space, spaces before `, . ! ? ; :` go, and the result is trimmed.
 */

/** A piece of a reply template: literal text or a placeholder. */
type Piece = string | { readonly slot: string };

/** A parsed reply template: segments, each always rendered or optional. */
export interface ReplyTemplate {
  readonly segments: readonly { readonly optional: boolean; readonly pieces: readonly Piece[] }[];
  /** Every slot name the template refers to, in order of first use. */
  readonly placeholders: readonly string[];
}

const PLACEHOLDER = /\{([A-Za-z_]\w*)\}/y;

/**
 * Parses a reply template (see module note).
 *
 * @throws SyntaxError on an unbalanced or nested `[`, or a `{` that does not start a `{slotName}` placeholder.
 */
export function parseReplyTemplate(template: string): ReplyTemplate {
  const segments: { optional: boolean; pieces: Piece[] }[] = [{ optional: false, pieces: [] }];
  const placeholders: string[] = [];
  let segment = segments[0] as { optional: boolean; pieces: Piece[] };
  let text = '';
  const endText = (): void => {
    if (text !== '') segment.pieces.push(text);
    text = '';
  };
  for (let i = 0; i < template.length; i++) {
    const ch = template[i] as string;
    if (ch === '{') {
      PLACEHOLDER.lastIndex = i;
      const match = PLACEHOLDER.exec(template);
      if (match === null) throw new SyntaxError(`bad placeholder at column ${i + 1} (expected {slotName})`);
      const [whole, slot = ''] = match;
      endText();
      segment.pieces.push({ slot });
      if (!placeholders.includes(slot)) placeholders.push(slot);
      i += whole.length - 1;
    } else if (ch === '}') {
      throw new SyntaxError(`unbalanced '}' at column ${i + 1}`);
    } else if (ch === '[' || ch === ']') {
      if ((ch === '[') === segment.optional) {
        throw new SyntaxError(`${ch === '[' ? 'nested' : 'unbalanced'} '${ch}' at column ${i + 1}`);
      }
      endText();
      segment = { optional: ch === '[', pieces: [] };
      segments.push(segment);
    } else {
      text += ch;
    }
  }
  if (segment.optional) throw new SyntaxError("unbalanced '[' (never closed)");
  endText();
  return { segments, placeholders };
}

/**
 * Renders a reply for an intent result.
 *
 * @param template a reply template (see module note), or `undefined` for the default reply: the intent
 *   name in words (`changeLightState` → `"Change light state."`), or `"OK."` without an intent.
 * @param slots slot name to value (as written in the context).
 * @param intent the intent, used only for the default reply.
 * @throws SyntaxError when `template` is malformed (templates read by `parseContext` are already checked).
 */
export function renderReply(
  template: string | undefined,
  slots: Readonly<Record<string, string>>,
  intent?: string,
): string {
  if (template === undefined) return defaultReply(intent);
  const value = (slot: string): string => (Object.hasOwn(slots, slot) ? (slots[slot] ?? '') : '');
  let out = '';
  for (const { optional, pieces } of parseReplyTemplate(template).segments) {
    if (optional && pieces.some((p) => typeof p !== 'string' && value(p.slot).trim() === '')) continue;
    for (const piece of pieces) out += typeof piece === 'string' ? piece : value(piece.slot);
  }
  return out
    .replace(/\s+/g, ' ')
    .replace(/ (?=[,.!?;:])/g, '')
    .replace(/^[\s,;:]+/, '')
    .trim();
}

/** `"Change light state."` for `changeLightState` (also splits `snake_case` and `kebab-case`). */
function defaultReply(intent: string | undefined): string {
  const words = (intent ?? '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter((w) => w !== '')
    .map((w) => (/^[A-Z0-9]+$/.test(w) && w.length > 1 ? w : w.toLowerCase()));
  if (words.length === 0) return 'OK.';
  const sentence = words.join(' ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

/**
 * The reply for an intent result: the context's template for the intent, or the default reply.
 *
 * @param replies intent to template, as in `ContextSpec.replies`.
 */
export function replyFor(
  replies: ReadonlyMap<string, string>,
  result: { readonly intent: string; readonly slots: Readonly<Record<string, string>> },
): string {
  return renderReply(replies.get(result.intent), result.slots, result.intent);
}
