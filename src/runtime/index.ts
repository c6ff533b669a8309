export {
  Engine,
  type EngineLoadOptions,
  type LoadedContext,
  type ModelRunWrapper,
  type SharedModel,
} from './engine.ts';
export { fusionScorer } from './fusionScorer.ts';
export { type Logger, createLogger } from './log.ts';
export {
  type EndpointingOptions,
  type RuntimeOptions,
  checkRuntimeOptions,
  defaultBudgets,
  defaultRuntimeOptions,
  resolveRuntimeOptions,
} from './options.ts';
export { type SessionSetup, sessionParts } from './sessionParts.ts';
