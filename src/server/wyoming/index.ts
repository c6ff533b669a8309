/**
 * Home Assistant's Wyoming protocol: speech to text, conversation (intents) and text to speech over TCP,
 * beside the WebSocket server on the same runtime. See docs/wyoming.md.
 */
export { type WyomingOptions, defaultWyomingOptions, resolveWyomingOptions } from './options.ts';
export { WyomingServer, type WyomingStartOptions } from './server.ts';
export {
  type HomeAssistantIntent,
  type HomeAssistantMap,
  homeAssistantFileName,
  loadHomeAssistantMap,
  parseHomeAssistantMap,
  toHomeAssistant,
} from './intentMap.ts';
export { converse, type ConversationAnswer, type ConversationContext } from './conversation.ts';
