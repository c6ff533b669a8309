/**
 * Contexts: domains of spoken commands in Picovoice Rhino's YAML format, parsed, compiled into a
 * word graph for decoding, sampled for training and tests, and turned into replies.
 */
export { ContextError, type ContextErrorCode } from './errors.ts';
export type {
  ChoiceNode,
  ContextSpec,
  ExprNode,
  Expression,
  IntentResult,
  SlotNode,
  SlotValue,
  WordNode,
} from './types.ts';
export { normalizeWords, normalizePhrase } from './normalize.ts';
export { parseContext } from './parse.ts';
export {
  loadContext,
  defaultLoadContextOptions,
  shippedContextsDir,
  type LoadContextOptions,
} from './load.ts';
export { contextNamesIn, watchContexts, type ContextWatch, type WatchContextsOptions } from './watch.ts';
export { withSlotValues } from './slots.ts';
export { checkSlotLimits, defaultSlotLimits, slotLimitExceeded, type SlotLimits } from './slotLimits.ts';
export { compileContext, type Arc, type ArcTag, type ContextGraph } from './compile.ts';
export { generateSentences, type GeneratedSentence } from './generate.ts';
export { mulberry32, type Rng } from './prng.ts';
export { parseText } from './match.ts';
export { pathToResult, type PathResult, type SlotSpan } from './path.ts';
export { slotVariants } from './variants.ts';
export { renderReply, replyFor, parseReplyTemplate, type ReplyTemplate } from './reply.ts';
