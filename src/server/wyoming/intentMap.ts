import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  ContextError,
  type ContextSpec,
  type IntentResult,
  normalizePhrase,
  shippedContextsDir,
} from '../../context/index.ts';
import { spokenDuration, spokenNumber } from './spokenNumbers.ts';

/** One rule of an intent's mapping: when its slot conditions hold, the intent goes out as `intent`. */
export interface IntentRule {
  /** Slot name → the value it must have (any case), or `*` for any value; all must hold. Empty: always. */
  readonly when: ReadonlyMap<string, string>;
  /** The Home Assistant intent name (`HassTurnOn`, …). */
  readonly intent: string;
  /** Home Assistant entity (slot) name → template of its value (see {@link HomeAssistantMap}). */
  readonly entities: ReadonlyMap<string, string>;
}

/** What one of a context's intents becomes in Home Assistant: rules tried in order, or why it cannot be mapped. */
export type IntentMapping =
  | { readonly kind: 'rules'; readonly rules: readonly IntentRule[] }
  | { readonly kind: 'unsupported'; readonly reason: string };

/**
 * A context's mapping to Home Assistant's intents, from its side file `NAME.homeassistant.yaml` (next to
 * `NAME.yaml`, in the server's `--contexts` folder or the shipped `models/contexts`):
 *
 * ```yaml
 * homeassistant:
 *   changeLightState:            # a context intent: a list of rules, the first that holds wins
 *     - when: { state: 'on' }    # slot conditions; '*' = the slot is filled; no `when` = always
 *       intent: HassTurnOn
 *       entities: { area: '{room}', domain: light }
 *   setLightBrightness:          # one rule may be written as a map
 *     intent: HassLightSet
 *     entities: { area: '{room}', brightness: '{brightness:number}' }
 *   changeTemperatureRelative:
 *     unsupported: Home Assistant has no intent to step a thermostat   # said, and sent as not-recognized
 * ```
 *
 * An entity's template is literal text with `{slot}` placeholders (the slot's value as the context writes it);
 * an entity whose placeholders name a slot the parse did not fill is left out. A template that is one
 * placeholder with a conversion gives a number: `{slot:number}` (spoken words to a whole number) or
 * `{slot:hours}`, `{slot:minutes}`, `{slot:seconds}` (a spoken duration's parts; left out when 0).
 */
export interface HomeAssistantMap {
  readonly source: string;
  /** Context intent → its mapping; intents not listed are not mapped (sent as not-recognized). */
  readonly intents: ReadonlyMap<string, IntentMapping>;
}

/** A context parse as Home Assistant's conversation agent takes it. */
export interface HomeAssistantIntent {
  readonly name: string;
  readonly entities: readonly { readonly name: string; readonly value: string | number }[];
}

const conversions = ['number', 'hours', 'minutes', 'seconds'] as const;
const placeholder = /\{([\w-]+)(?::([a-z]+))?\}/g;

/** The side file's name for context `name`. */
export const homeAssistantFileName = (name: string): string => `${name}.homeassistant.yaml`;

/**
 * Reads context `name`'s side file from the first of `dirs` (then the shipped contexts) that has one, and
 * checks it against the context; null when there is none.
 * @throws ContextError `VX_BAD_CONTEXT` naming the file when it is malformed
 */
export async function loadHomeAssistantMap(
  name: string,
  spec: ContextSpec,
  dirs: readonly string[] = [],
): Promise<HomeAssistantMap | null> {
  for (const dir of [...dirs, shippedContextsDir()]) {
    const file = join(dir, homeAssistantFileName(name));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw error;
    }
    return parseHomeAssistantMap(text, file, spec);
  }
  return null;
}

/** Parses and checks a side file's text (see {@link HomeAssistantMap}); throws ContextError naming `source`. */
export function parseHomeAssistantMap(text: string, source: string, spec: ContextSpec): HomeAssistantMap {
  const bad = (detail: string) => new ContextError(detail, source, undefined);
  let root: unknown;
  try {
    root = parse(text);
  } catch (error) {
    throw new ContextError(`not YAML: ${(error as Error).message}`, source, undefined, { cause: error });
  }
  const top = asRecord(root, 'the file', bad);
  const intentsNode = asRecord(top['homeassistant'], '`homeassistant:`', bad);
  const intents = new Map<string, IntentMapping>();
  for (const [intent, node] of Object.entries(intentsNode)) {
    if (!spec.intents.includes(intent)) throw bad(`${intent} is not an intent of the context`);
    const slots = slotNames(spec, intent);
    if (isRecord(node) && 'unsupported' in node) {
      if (typeof node['unsupported'] !== 'string') throw bad(`${intent}.unsupported must be a reason`);
      intents.set(intent, { kind: 'unsupported', reason: node['unsupported'] });
      continue;
    }
    const list = Array.isArray(node) ? node : [node];
    const rules = list.map((r, i) => parseRule(r, `${intent}[${i}]`, slots, bad));
    intents.set(intent, { kind: 'rules', rules });
  }
  return { source, intents };
}

function parseRule(
  node: unknown,
  where: string,
  slots: ReadonlySet<string>,
  bad: (d: string) => Error,
): IntentRule {
  const r = asRecord(node, where, bad);
  for (const key of Object.keys(r))
    if (!['when', 'intent', 'entities'].includes(key)) throw bad(`${where}: unknown key ${key}`);
  if (typeof r['intent'] !== 'string' || !/^\w+$/.test(r['intent']))
    throw bad(`${where}.intent must be a Home Assistant intent name such as HassTurnOn`);
  const when = new Map<string, string>();
  for (const [slot, value] of Object.entries(asRecord(r['when'] ?? {}, `${where}.when`, bad))) {
    if (!slots.has(slot)) throw bad(`${where}.when: ${slot} is not a slot of the intent`);
    if (typeof value !== 'string') throw bad(`${where}.when.${slot} must be a string (quote 'on' and 'off')`);
    when.set(slot, value === '*' ? '*' : normalizePhrase(value));
  }
  const entities = new Map<string, string>();
  for (const [name, template] of Object.entries(asRecord(r['entities'] ?? {}, `${where}.entities`, bad))) {
    if (typeof template !== 'string' && typeof template !== 'number')
      throw bad(`${where}.entities.${name} must be a string or a number`);
    const text = String(template);
    for (const [whole, slot, conversion] of text.matchAll(placeholder)) {
      if (!slots.has(slot as string))
        throw bad(`${where}.entities.${name}: ${slot} is not a slot of the intent`);
      if (conversion !== undefined && !(conversions as readonly string[]).includes(conversion))
        throw bad(`${where}.entities.${name}: unknown conversion ${conversion} (${conversions.join(', ')})`);
      if (conversion !== undefined && whole !== text)
        throw bad(`${where}.entities.${name}: a {slot:${conversion}} must be the whole template`);
    }
    entities.set(name, text);
  }
  return { when, intent: r['intent'], entities };
}

/**
 * What a parse of the context becomes in Home Assistant: the first rule of its intent whose conditions
 * hold, with its entities filled; `unsupported` with the reason, or `unmapped` when the side file has no rule
 * for it (or no rule holds).
 */
export function toHomeAssistant(
  map: HomeAssistantMap,
  result: IntentResult,
): HomeAssistantIntent | { readonly unsupported: string } | 'unmapped' {
  const mapping = map.intents.get(result.intent);
  if (mapping === undefined) return 'unmapped';
  if (mapping.kind === 'unsupported') return { unsupported: mapping.reason };
  const filled = (slot: string) => result.slots[slot];
  const rule = mapping.rules.find((r) =>
    [...r.when].every(([slot, value]) => {
      const v = filled(slot);
      return v !== undefined && (value === '*' || normalizePhrase(v) === value);
    }),
  );
  if (!rule) return 'unmapped';
  const entities: { name: string; value: string | number }[] = [];
  for (const [name, template] of rule.entities) {
    const value = fillTemplate(template, filled);
    if (value !== null) entities.push({ name, value });
  }
  return { name: rule.intent, entities };
}

function fillTemplate(
  template: string,
  filled: (slot: string) => string | undefined,
): string | number | null {
  const whole = /^\{([\w-]+):([a-z]+)\}$/.exec(template);
  if (whole) {
    const value = filled(whole[1] as string);
    if (value === undefined) return null;
    if (whole[2] === 'number') return spokenNumber(value);
    const duration = spokenDuration(value);
    const part = duration?.[whole[2] as 'hours' | 'minutes' | 'seconds'] ?? 0;
    return part > 0 ? part : null;
  }
  let missing = false;
  const text = template.replace(placeholder, (_m, slot: string) => {
    const value = filled(slot);
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? null : text;
}

function slotNames(spec: ContextSpec, intent: string): Set<string> {
  const names = new Set<string>();
  for (const e of spec.expressions)
    if (e.intent === intent) for (const slot of e.slots.keys()) names.add(slot);
  return names;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asRecord(value: unknown, what: string, bad: (d: string) => Error): Record<string, unknown> {
  if (!isRecord(value)) throw bad(`${what} must be a map`);
  return value;
}
