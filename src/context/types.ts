/** One element of a parsed expression. Words are normalised (see `normalizeWords`). */
export type ExprNode = WordNode | ChoiceNode | SlotNode;

/** A literal word. */
export interface WordNode {
  readonly kind: 'word';
  readonly word: string;
}

/**
 * `[a, b c]` (a required choice), `(a b)` or `(a, b)` (an optional phrase or choice), or `@macro`
 * (a required choice over the macro's phrases). Each option is a non-empty sequence of nodes.
 */
export interface ChoiceNode {
  readonly kind: 'choice';
  readonly options: readonly (readonly ExprNode[])[];
  readonly optional: boolean;
  /** The macro this choice was expanded from, if any. */
  readonly macro?: string;
}

/** `$slotType:slotName`: exactly one value of the slot type's list, reported under `slot`. */
export interface SlotNode {
  readonly kind: 'slot';
  readonly slotType: string;
  readonly slot: string;
}

/** One expression of an intent, as written and as parsed. */
export interface Expression {
  readonly intent: string;
  /** The expression as written in the context file. */
  readonly text: string;
  /** 1-based line in the context file (0 for expressions not read from a file). */
  readonly line: number;
  readonly nodes: readonly ExprNode[];
  /** Slot name to slot type, for every slot the expression can fill. */
  readonly slots: ReadonlyMap<string, string>;
}

/** One value of a slot type. */
export interface SlotValue {
  /** The value as written in the context (trimmed): what results and replies report. */
  readonly text: string;
  /** The value's normalised words: what is spoken and matched. Never empty. */
  readonly words: readonly string[];
}

/**
 * A parsed context: intents with their expressions, slot types with their values, and reply templates.
 * Immutable; `withSlotValues` derives a new one.
 */
export interface ContextSpec {
  /** Where the context came from (file path or a label), used in error messages. */
  readonly source: string;
  /** Intent names in file order. */
  readonly intents: readonly string[];
  /** All expressions, intents in file order and each intent's expressions in file order. */
  readonly expressions: readonly Expression[];
  /** Slot type to its values, in file order, without duplicates (by normalised words). */
  readonly slots: ReadonlyMap<string, readonly SlotValue[]>;
  /** Macro name to its phrases as written (already expanded into the expressions). */
  readonly macros: ReadonlyMap<string, readonly string[]>;
  /** Intent to reply template (see `renderReply`); intents without one are absent. */
  readonly replies: ReadonlyMap<string, string>;
}

/** The meaning of one utterance: its intent and the slots it filled (slot name to value as written). */
export interface IntentResult {
  readonly intent: string;
  readonly slots: Readonly<Record<string, string>>;
}
