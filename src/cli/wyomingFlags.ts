import { type WyomingOptions, resolveWyomingOptions } from '../server/wyoming/index.ts';

/** `serve`'s flags of the Wyoming endpoint (parseArgs definitions). */
export const wyomingFlags = {
  'wyoming-port': { type: 'string' },
  'wyoming-host': { type: 'string' },
  'wyoming-allow': { type: 'string' },
  'wyoming-voices': { type: 'string' },
  'no-zeroconf': { type: 'boolean' },
} as const;

/** The values of {@link wyomingFlags} as parseArgs gives them. */
export interface WyomingFlagValues {
  readonly 'wyoming-port'?: string;
  readonly 'wyoming-host'?: string;
  readonly 'wyoming-allow'?: string;
  readonly 'wyoming-voices'?: string;
  readonly 'no-zeroconf'?: boolean;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/**
 * The Wyoming endpoint's options from `serve`'s flags and the environment (`VOXSTREAM_WYOMING_PORT`; the flag
 * wins), or null when no port is given: the endpoint is off by default. It listens on `--wyoming-host`, else on
 * the WebSocket server's `host`. Checked here, before any model loads (a TypeError names the option).
 */
export function wyomingServeOptions(
  values: WyomingFlagValues,
  host: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): WyomingOptions | null {
  const port = values['wyoming-port'] ?? env['VOXSTREAM_WYOMING_PORT'];
  if (port === undefined || port === '') return null;
  const o: Partial<WyomingOptions> = { port: Number(port), zeroconf: !values['no-zeroconf'] };
  const bind = values['wyoming-host'] ?? host;
  if (bind) o.host = bind;
  if (values['wyoming-allow']) o.allowedAddresses = list(values['wyoming-allow']);
  if (values['wyoming-voices']) o.voices = list(values['wyoming-voices']);
  return resolveWyomingOptions(o);
}
