import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Device } from '../inference/providers.ts';
import { VoxServer } from '../server/index.ts';
import { readTokensFile } from '../server/access.ts';
import type { ServerOptions } from '../server/config.ts';
import { type WyomingOptions, WyomingServer } from '../server/wyoming/index.ts';
import { recognitionFlags, recognitionOptions } from './args.ts';
import { wyomingFlags, wyomingServeOptions } from './wyomingFlags.ts';

const flags = {
  port: { type: 'string' },
  host: { type: 'string' },
  device: { type: 'string' },
  context: { type: 'string' },
  contexts: { type: 'string' },
  'max-sessions': { type: 'string' },
  'max-sessions-per-address': { type: 'string' },
  tokens: { type: 'string' },
  'tokens-file': { type: 'string' },
  'token-secret': { type: 'string' },
  'token-max-ttl': { type: 'string' },
  voices: { type: 'string' },
  'tts-workers': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'trust-proxy': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-cert': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  // Its old name, from when "frame" also meant a WebSocket message; still accepted.
  'max-frame-bytes': { type: 'string' },
  'max-session-ms': { type: 'string' },
  'idle-timeout-ms': { type: 'string' },
  'audio-burst-ms': { type: 'string' },
  'drain-ms': { type: 'string' },
  'max-batch': { type: 'string' },
  'inference-threads': { type: 'string' },
  'end-silence-ms': { type: 'string' },
  'accept-threshold': { type: 'string' },
  quiet: { type: 'boolean' },
  ...recognitionFlags,
  ...wyomingFlags,
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof flags }>>['values'];

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

/**
 * Server options from `serve`'s flags and the environment (`PORT`, `VOXSTREAM_DEVICE`, `VOXSTREAM_TOKENS`,
 * `VOXSTREAM_TOKEN_SECRET`; a flag wins over its variable). Tokens from `--tokens`, `VOXSTREAM_TOKENS` and
 * `--tokens-file` are all accepted. Numbers are checked by the server (a TypeError names the option).
 */
export async function serveOptions(
  values: Values,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Partial<ServerOptions>> {
  const o: Partial<ServerOptions> = {
    port: Number(values.port ?? env['PORT'] ?? 8080),
    logLevel: values.quiet ? 'silent' : 'info',
  };
  if (values.host) o.host = values.host;
  const device = values.device ?? env['VOXSTREAM_DEVICE'];
  if (device) o.device = device as Device;
  if (values.context) o.defaultContext = values.context;
  // Absolute, so that the logs name each context's file in full.
  if (values.contexts) o.contextsDir = resolve(values.contexts);
  Object.assign(o, recognitionOptions(values));
  if (values['inference-threads'])
    o.inferenceThreads = values['inference-threads'] as ServerOptions['inferenceThreads'];
  const numbers = {
    'max-sessions': 'maxSessions',
    'max-sessions-per-address': 'maxSessionsPerAddress',
    'max-frame-bytes': 'maxMessageBytes',
    'max-message-bytes': 'maxMessageBytes',
    'max-session-ms': 'maxSessionMs',
    'idle-timeout-ms': 'idleTimeoutMs',
    'audio-burst-ms': 'audioBurstMs',
    'max-batch': 'maxBatch',
    'token-max-ttl': 'tokenMaxTtlSec',
    'tts-workers': 'ttsWorkers',
  } as const;
  for (const [flag, option] of Object.entries(numbers)) {
    const v = values[flag as keyof typeof numbers];
    if (v !== undefined) o[option] = Number(v);
  }
  const endSilenceMs = values['end-silence-ms'];
  const acceptThreshold = values['accept-threshold'];
  if (endSilenceMs !== undefined || acceptThreshold !== undefined) {
    o.endpointing = {
      ...(endSilenceMs !== undefined ? { segment: { endSilenceMs: Number(endSilenceMs) } } : {}),
      ...(acceptThreshold !== undefined ? { understand: { acceptThreshold: Number(acceptThreshold) } } : {}),
    };
  }
  const tokens = [...list(values.tokens ?? env['VOXSTREAM_TOKENS'] ?? '')];
  if (values['tokens-file']) tokens.push(...(await readTokensFile(values['tokens-file'])));
  if (tokens.length > 0) o.tokens = tokens;
  const secret = values['token-secret'] ?? env['VOXSTREAM_TOKEN_SECRET'];
  if (secret) o.tokenSecret = secret;
  if (values.voices) o.voices = list(values.voices);
  if (values['allowed-origins']) o.allowedOrigins = list(values['allowed-origins']);
  if (values['trust-proxy']) o.trustProxy = list(values['trust-proxy']);
  if (values['tls-key']) o.tlsKeyPath = values['tls-key'];
  if (values['tls-cert']) o.tlsCertPath = values['tls-cert'];
  return o;
}

/**
 * The WebSocket server, and the Wyoming endpoint when `wyomingOptions` is given, as `serve` starts them: the
 * endpoint runs on the runtime the WebSocket server loaded (one set of models) and counts its connections in
 * the same admission (one `maxSessions`, one per-address count for both transports). If the endpoint does not
 * start, the server is closed and the error thrown.
 */
export async function startServers(
  options: Partial<ServerOptions>,
  wyomingOptions: Partial<WyomingOptions> | null,
): Promise<{ server: VoxServer; wyoming: WyomingServer | null }> {
  const server = await VoxServer.start(options);
  if (!wyomingOptions) return { server, wyoming: null };
  const { engine, admission, log } = server;
  const wyoming = await WyomingServer.start(wyomingOptions, { engine, admission, log }).catch(
    async (error: unknown) => {
      await server.close();
      throw error;
    },
  );
  return { server, wyoming };
}

/**
 * `voxstream serve`: runs the server until SIGINT/SIGTERM, then drains: stops accepting, lets the utterances
 * under way finish within `--drain-ms` (default 10000), closes the rest with 1001 and exits 0. A second
 * signal closes at once.
 */
export async function serveCommand(argv: string[]): Promise<number> {
  let server: VoxServer;
  let wyoming: WyomingServer | null = null;
  let drainMs: number;
  try {
    const { values } = parseArgs({ args: argv, options: flags });
    drainMs = Number(values['drain-ms'] ?? 10_000);
    if (!Number.isInteger(drainMs) || drainMs < 0)
      throw new TypeError(`--drain-ms must be a whole number of ms, got ${values['drain-ms']}`);
    const options = await serveOptions(values);
    ({ server, wyoming } = await startServers(options, wyomingServeOptions(values, options.host)));
  } catch (error) {
    process.stderr.write(`voxstream serve: ${(error as Error).message}\n`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const now = () => void Promise.all([wyoming?.close(), server.close()]);
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  // Wyoming requests are short (one per connection in Home Assistant): they end before the runtime goes.
  await wyoming?.close();
  await server.drain(drainMs);
  return 0;
}
