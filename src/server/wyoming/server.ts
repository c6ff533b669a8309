import { type AddressInfo, type BlockList, type Server, type Socket, createServer, isIP } from 'node:net';
import { basename, dirname, extname } from 'node:path';
import { type ContextSpec, contextNamesIn, loadContext, shippedContextsDir } from '../../context/index.ts';
import type { Engine, LoadedContext, Logger } from '../../runtime/index.ts';
import { type Admission, remoteAddress } from '../admission.ts';
import type { ServerOptions } from '../config.ts';
import { WyomingError, encodeEvent } from '../../protocol/wyoming/index.ts';
import { WyomingConnection } from './connection.ts';
import { dictationModel, dictationVocabulary } from './dictation.ts';
import type { WyomingServices } from './services.ts';
import type { ConversationContext } from './conversation.ts';
import { wyomingInfo } from './info.ts';
import { loadHomeAssistantMap } from './intentMap.ts';
import { WyomingMetrics } from './metrics.ts';
import { type WyomingOptions, allowList, resolveWyomingOptions } from './options.ts';
import { type Advertisement, advertise } from './zeroconf.ts';

/** A context name as the runtime resolves it (anything else is a file path). */
const contextNamePattern = /^[\w-]+$/;

/** What {@link WyomingServer.start} needs besides the options. */
export interface WyomingStartOptions {
  /** The runtime the WebSocket server loaded: the same models, batchers, contexts, voices and metrics. */
  readonly engine: Engine<ServerOptions>;
  /**
   * The session count of the WebSocket server on that runtime (`VoxServer.admission`): every Wyoming connection
   * counts there as a session, so `maxSessions` and `maxSessionsPerAddress` bound both transports together.
   */
  readonly admission: Admission;
  readonly log: Logger;
}

/**
 * Home Assistant's Wyoming protocol over TCP, beside the WebSocket server in the same process and on the same
 * runtime: speech to text runs the same per-session stream graph over the same models and cross-session
 * batchers, within the same limits (idle and session time, the real-time audio allowance) and into the same
 * `/metrics`; its connections count against the WebSocket server's session limits (one count for both). Connections from addresses not allowed, or past the session limits, are closed at
 * once. Create with {@link WyomingServer.start}; `close()` ends every connection and stops advertising.
 */
export class WyomingServer {
  private readonly connections = new Set<WyomingConnection>();
  private readonly allowed: BlockList | null;
  readonly metrics: WyomingMetrics;
  private graphs = 0;
  private closing: Promise<void> | null = null;
  private advertisement: Advertisement | null = null;

  private constructor(
    readonly options: WyomingOptions,
    /** The voices offered, the default first: the runtime's, or those of them `options.voices` picks. */
    readonly voices: readonly string[],
    readonly engine: Engine<ServerOptions>,
    private readonly admission: Admission,
    private readonly tcp: Server,
    readonly log: Logger,
  ) {
    this.allowed = options.allowedAddresses === null ? null : allowList(options.allowedAddresses);
    this.metrics = WyomingMetrics.in(engine.metrics.registry, () => this.connections.size);
    this.services = this.makeServices();
  }

  /** Listens; resolves once the port is open (and advertising has started, when on). */
  static async start(options: Partial<WyomingOptions>, start: WyomingStartOptions): Promise<WyomingServer> {
    const o = resolveWyomingOptions(options);
    const offered = start.engine.voices;
    for (const voice of o.voices ?? [])
      if (!offered.includes(voice))
        throw new TypeError(
          `wyoming option voices: ${voice} is not a voice the runtime offers (${offered.join(', ')}; see --voices)`,
        );
    const tcp = createServer({ noDelay: true });
    const server = new WyomingServer(o, o.voices ?? offered, start.engine, start.admission, tcp, start.log);
    tcp.on('connection', (socket) => server.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(o.port, o.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', (error) => start.log.warn('wyoming listener error', { error: String(error) }));
    start.log.info('wyoming listening', { host: o.host, port: server.port, voices: server.voices });
    if (o.allowedAddresses === null)
      start.log.warn('wyoming has no authentication: anyone who can reach this port may use it', {
        port: server.port,
        hint: 'set --wyoming-allow ADDR,SUBNET',
      });
    if (o.zeroconf) server.advertisement = await advertise(o.zeroconfName, server.port, start.log);
    return server;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return (this.tcp.address() as AddressInfo).port;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stream graphs of speech-to-text requests not yet released; 0 when none is running. */
  get liveGraphs(): number {
    return this.graphs;
  }

  private onConnection(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const address = remoteAddress(socket.remoteAddress);
    const refuse = (label: string, error: WyomingError) => {
      this.metrics.refused.inc({ reason: label, ...WyomingMetrics.transport });
      this.engine.metrics.refused.inc({ reason: `wyoming_${label}` });
      // Wyoming has no refusal at connect: the error event says why, then the socket closes.
      socket.end(encodeEvent('error', { text: error.message, code: error.code }));
    };
    if (this.closing) return refuse('shutting_down', new WyomingError('VX_SHUTTING_DOWN', 'shutting down'));
    const family = isIP(address);
    if (this.allowed && (family === 0 || !this.allowed.check(address, family === 6 ? 'ipv6' : 'ipv4'))) {
      this.metrics.refused.inc({ reason: 'address', ...WyomingMetrics.transport });
      this.engine.metrics.refused.inc({ reason: 'wyoming_address' });
      socket.destroy();
      return;
    }
    const over = this.admission.refusal(address, null);
    if (over) return refuse(over.label, new WyomingError('VX_WY_BUSY', over.text));
    this.admission.add(address, null);
    const connection = new WyomingConnection(socket, this.services, (c) => {
      if (!this.connections.delete(c)) return;
      this.admission.remove(address, null);
    });
    this.connections.add(connection);
  }

  private readonly services: WyomingServices;

  private makeServices(): WyomingServices {
    return {
      engine: this.engine,
      options: this.options,
      metrics: this.metrics,
      voices: this.voices,
      info: async () => {
        const specs = await this.specs();
        const contexts = specs.map(({ name, spec }) => ({ name, intents: spec.intents.length }));
        const dictation = this.offersDictation(specs.map((s) => s.name));
        return wyomingInfo({
          contexts,
          voices: this.voices,
          acousticModel: this.engine.acoustic.name,
          dictationWords: dictation ? dictationVocabulary(specs.map((s) => s.spec)).length : null,
        });
      },
      conversationContexts: async () => {
        const dirs = this.contextDirs();
        const out: ConversationContext[] = [];
        for (const { name, key, spec } of await this.specs()) {
          // A context given as a path has its side file beside it.
          const where = contextNamePattern.test(key) ? dirs : [dirname(key), ...dirs];
          // A side file that does not load leaves its context out of conversation, said in the log.
          const map = await loadHomeAssistantMap(name, spec, where).catch((error: unknown) => {
            this.log.warn('home assistant mapping does not load', { context: name, error: String(error) });
            return null;
          });
          out.push({ name, spec, map });
        }
        return out;
      },
      transcriptionContext: async (name) => this.transcriptionContext(name),
      graphOpened: () => this.graphs++,
      graphReleased: () => this.graphs--,
    };
  }

  /**
   * The served contexts' grammars, parsed afresh (milliseconds): `info` and conversation need no decoding graph, and
   * compiling every served context for the acoustic model could take longer than Home Assistant's 1 s describe
   * timeout. Speech to text compiles (and caches) only the context it uses. One that does not load is left out.
   */
  private async specs(): Promise<{ name: string; key: string; spec: ContextSpec }[]> {
    const dirs = this.contextDirs();
    const loaded = await Promise.all(
      (await this.servedContexts()).map(({ name, key }) =>
        loadContext(key, { dirs }).then(
          (spec) => ({ name, key, spec }),
          (error: unknown) => {
            // One broken file in --contexts must not take describe (and so the whole integration) down.
            this.log.warn('context left out of wyoming', { context: name, error: String(error) });
            return null;
          },
        ),
      ),
    );
    return loaded.filter((c) => c !== null);
  }

  private contextDirs(): string[] {
    const dir = this.engine.options.contextsDir;
    return dir === undefined || dir === null ? [] : [dir];
  }

  /**
   * The default context, then the user's (`--contexts`), then the shipped ones; each once. `key` is what the
   * runtime loads; `name` what Wyoming calls it: a default context given as a file path is named by its file
   * name, so `info` does not show the server's paths.
   */
  private async servedContexts(): Promise<{ name: string; key: string }[]> {
    const key = this.engine.options.defaultContext;
    const served = [{ name: contextNamePattern.test(key) ? key : basename(key, extname(key)), key }];
    for (const dir of [...this.contextDirs(), shippedContextsDir()])
      for (const name of await contextNamesIn(dir).catch(() => []))
        if (!served.some((c) => c.name === name)) served.push({ name, key: name });
    return served;
  }

  private async transcriptionContext(name: string | undefined): Promise<LoadedContext> {
    if (name === undefined || name === '') return this.engine.context(this.engine.options.defaultContext);
    const contexts = await this.servedContexts();
    const served = contexts.find((c) => c.name === name);
    if (served) return this.engine.context(served.key);
    if (name === dictationModel && this.offersDictation(contexts.map((c) => c.name))) {
      const specs = await this.specs();
      return this.engine.wordLoop(dictationVocabulary(specs.map((s) => s.spec)));
    }
    throw new WyomingError('VX_WY_UNKNOWN_MODEL', `model ${name} is not a context this server serves`);
  }

  /**
   * Whether the `dictation` model is offered: with the CMU model (the one that decodes a word loop), unless a
   * served context is itself named `dictation` (the context keeps its name).
   */
  private offersDictation(contextNames: readonly string[]): boolean {
    return this.engine.acoustic.name === 'cmu' && !contextNames.includes(dictationModel);
  }

  /** Ends every connection with `VX_SHUTTING_DOWN`, stops advertising and closes the port. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.advertisement?.stop();
      const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
      for (const c of [...this.connections]) c.shutdown();
      await closed;
      this.log.info('wyoming closed', {});
    })();
    return this.closing;
  }
}
