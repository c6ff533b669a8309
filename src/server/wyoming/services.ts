import type { Engine, LoadedContext } from '../../runtime/index.ts';
import type { ServerOptions } from '../config.ts';
import type { ConversationContext } from './conversation.ts';
import type { WyomingMetrics } from './metrics.ts';
import type { WyomingOptions } from './options.ts';

/** What a connection needs from its server: the shared runtime and the served contexts and voices. */
export interface WyomingServices {
  readonly engine: Engine<ServerOptions>;
  readonly options: WyomingOptions;
  readonly metrics: WyomingMetrics;
  /** The voices offered, the default first: all of them are the runtime's. */
  readonly voices: readonly string[];
  /** The `info` event's data. */
  info(): Promise<Record<string, unknown>>;
  /** The served contexts, the default first, with their Home Assistant mappings. */
  conversationContexts(): Promise<ConversationContext[]>;
  /** The context a `transcribe` names (a served one), or the default for none; throws `VX_WY_UNKNOWN_MODEL`. */
  transcriptionContext(name: string | undefined): Promise<LoadedContext>;
  graphOpened(): void;
  graphReleased(): void;
}
