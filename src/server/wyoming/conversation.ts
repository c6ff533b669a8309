import { type ContextSpec, parseText, replyFor } from '../../context/index.ts';
import { type HomeAssistantMap, toHomeAssistant } from './intentMap.ts';

/** A served context as the conversation agent uses it: its grammar and its mapping to Home Assistant. */
export interface ConversationContext {
  readonly name: string;
  readonly spec: ContextSpec;
  /** The context's `NAME.homeassistant.yaml`, or null: none of its intents can go to Home Assistant. */
  readonly map: HomeAssistantMap | null;
}

/** The answer to a conversation turn, as a Wyoming event's type and data. */
export type ConversationAnswer =
  | {
      readonly type: 'intent';
      readonly data: {
        readonly name: string;
        readonly entities: readonly { readonly name: string; readonly value: string | number }[];
        /** The context's reply, spoken by Home Assistant when its own response has no speech. */
        readonly text: string;
      };
    }
  | { readonly type: 'not-recognized'; readonly data: { readonly text: string } };

/**
 * One conversation turn: `text` parsed against each context's grammar in turn (no audio, no acoustic
 * model), the first parse that maps to a Home Assistant intent answered as `intent` with its entities;
 * otherwise `not-recognized`, saying why (no parse, or the parse has no Home Assistant intent).
 */
export function converse(text: string, contexts: readonly ConversationContext[]): ConversationAnswer {
  let reason = `Sorry, I did not understand "${text.trim().slice(0, 200)}".`;
  let unmappedSeen = false;
  for (const context of contexts) {
    const parse = parseText(context.spec, text);
    if (parse === null) continue;
    const mapped = context.map ? toHomeAssistant(context.map, parse) : 'unmapped';
    if (mapped !== 'unmapped' && 'name' in mapped) {
      return {
        type: 'intent',
        data: { name: mapped.name, entities: mapped.entities, text: replyFor(context.spec.replies, parse) },
      };
    }
    if (!unmappedSeen) {
      unmappedSeen = true;
      reason =
        mapped === 'unmapped'
          ? `I understood ${parse.intent} in ${context.name}, but it has no Home Assistant intent.`
          : `I understood ${parse.intent}, but ${mapped.unsupported}.`;
    }
  }
  return { type: 'not-recognized', data: { text: reason } };
}
