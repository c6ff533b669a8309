import { VoxError } from './errors.ts';
import {
  type AudioEncoding,
  type ClientMessage,
  type ServerMessage,
  type StageBudgets,
  type StartMessage,
  opusRates,
  pcmInputRates,
  pcmOutputRates,
} from './messages.ts';

/** Longest control message accepted, in bytes (a `start` with a few hundred slot values fits). */
export const maxControlBytes = 64 * 1024;

const budgetNames: readonly (keyof StageBudgets)[] = ['intent', 'firstAudio', 'asr', 'fusion', 'tts'];

/**
 * Parses and validates one client text frame. Throws {@link VoxError} `VX_BAD_MESSAGE`
 * (or `VX_UNSUPPORTED_AUDIO` for an encoding or rate the server cannot take), naming the bad field.
 */
export function decodeClientMessage(text: string): ClientMessage {
  // Counted in UTF-8 bytes, as sent: a string's length in UTF-16 units can be a third of that.
  if (Buffer.byteLength(text, 'utf8') > maxControlBytes) {
    throw bad(`control message longer than ${maxControlBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad('control message is not valid JSON');
  }
  if (!isObject(value)) throw bad('control message must be a JSON object');
  switch (value['type']) {
    case 'start':
      return decodeStart(value);
    case 'stop':
      return { type: 'stop' };
    case 'cancel':
      return { type: 'cancel' };
    default:
      throw bad(`unknown message type ${JSON.stringify(value['type'] ?? null).slice(0, 40)}`);
  }
}

function decodeStart(v: Record<string, unknown>): StartMessage {
  const audio = v['audio'];
  if (!isObject(audio)) throw bad('start.audio must be an object {encoding, sampleRate}');
  const encoding = audio['encoding'];
  const sampleRate = audio['sampleRate'];
  if (encoding !== 'pcm_s16le' && encoding !== 'opus') {
    throw new VoxError('VX_UNSUPPORTED_AUDIO', `start.audio.encoding must be "pcm_s16le" or "opus"`);
  }
  const rates: readonly number[] = encoding === 'opus' ? opusRates : pcmInputRates;
  if (typeof sampleRate !== 'number' || !rates.includes(sampleRate)) {
    throw new VoxError(
      'VX_UNSUPPORTED_AUDIO',
      `start.audio.sampleRate for ${encoding} must be one of ${rates.join(', ')}`,
    );
  }
  const out: { -readonly [K in keyof StartMessage]: StartMessage[K] } = {
    type: 'start',
    audio: { encoding, sampleRate },
  };
  if (v['context'] !== undefined) {
    if (typeof v['context'] !== 'string' || v['context'].length === 0 || v['context'].length > 512) {
      throw bad('start.context must be a non-empty string');
    }
    out.context = v['context'];
  }
  if (v['slots'] !== undefined) out.slots = decodeSlots(v['slots']);
  if (v['slotMode'] !== undefined) {
    if (v['slotMode'] !== 'add' && v['slotMode'] !== 'replace')
      throw bad('start.slotMode must be "add" or "replace"');
    out.slotMode = v['slotMode'];
  }
  if (v['partials'] !== undefined) {
    if (typeof v['partials'] !== 'boolean') throw bad('start.partials must be a boolean');
    out.partials = v['partials'];
  }
  if (v['reply'] !== undefined) out.reply = decodeReply(v['reply']);
  if (v['budgets'] !== undefined) out.budgets = decodeBudgets(v['budgets']);
  return out;
}

function decodeSlots(value: unknown): Record<string, string[]> {
  if (!isObject(value)) throw bad('start.slots must be an object of slot type → list of values');
  const out: Record<string, string[]> = {};
  for (const [slot, values] of Object.entries(value)) {
    if (
      !Array.isArray(values) ||
      values.length > 1000 ||
      !values.every((x) => typeof x === 'string' && x.length <= 200)
    ) {
      throw bad(`start.slots.${slot} must be a list of at most 1000 strings`);
    }
    out[slot] = values as string[];
  }
  return out;
}

function decodeReply(value: unknown): NonNullable<StartMessage['reply']> {
  if (!isObject(value)) throw bad('start.reply must be an object');
  const out: { enabled?: boolean; encoding?: AudioEncoding; sampleRate?: number; voice?: string } = {};
  if (value['enabled'] !== undefined) {
    if (typeof value['enabled'] !== 'boolean') throw bad('start.reply.enabled must be a boolean');
    out.enabled = value['enabled'];
  }
  const encoding = value['encoding'];
  if (encoding !== undefined) {
    if (encoding !== 'pcm_s16le' && encoding !== 'opus')
      throw bad('start.reply.encoding must be "pcm_s16le" or "opus"');
    out.encoding = encoding;
  }
  const rate = value['sampleRate'];
  if (rate !== undefined) {
    const rates: readonly number[] = (out.encoding ?? 'pcm_s16le') === 'opus' ? opusRates : pcmOutputRates;
    if (typeof rate !== 'number' || !rates.includes(rate)) {
      throw bad(`start.reply.sampleRate must be one of ${rates.join(', ')}`);
    }
    out.sampleRate = rate;
  }
  if (value['voice'] !== undefined) {
    if (typeof value['voice'] !== 'string' || !/^[a-zA-Z0-9_+-]{1,40}$/.test(value['voice'])) {
      throw bad('start.reply.voice must be an espeak-ng voice name such as "en-us" or "en-us+f3"');
    }
    out.voice = value['voice'];
  }
  return out;
}

function decodeBudgets(value: unknown): Partial<StageBudgets> {
  if (!isObject(value)) throw bad('start.budgets must be an object of stage → milliseconds');
  const out: Partial<StageBudgets> = {};
  for (const [stage, ms] of Object.entries(value)) {
    if (!budgetNames.includes(stage as keyof StageBudgets)) {
      throw bad(`start.budgets.${stage} is not a stage (${budgetNames.join(', ')})`);
    }
    if (typeof ms !== 'number' || !(ms > 0 && ms <= 60_000))
      throw bad(`start.budgets.${stage} must be 1–60000 ms`);
    out[stage as keyof StageBudgets] = ms;
  }
  return out;
}

/** Serializes a server message as one JSON text frame. */
export function encodeServerMessage(message: ServerMessage): string {
  return JSON.stringify(message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string): VoxError {
  return new VoxError('VX_BAD_MESSAGE', message);
}
