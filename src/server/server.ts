import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { Engine, type EngineLoadOptions, type Logger, createLogger } from '../runtime/index.ts';
import { AccessControl, type Refusal, isRefusal } from './access.ts';
import { Admission } from './admission.ts';
import { clientAddress, trustedProxySet } from './clientAddress.ts';
import { type ServerOptions, resolveServerOptions } from './config.ts';
import type { ContextWatch } from '../context/index.ts';
import { Gauge } from '../metrics/index.ts';
import { serveContextFolder } from './contextFolder.ts';
import { servePage } from './page.ts';
import { Session } from './session.ts';

/**
 * The voxstream server: HTTP (`GET /metrics`, `GET /healthz`, `GET /readyz`, `GET /voices`) and WebSocket
 * voice sessions on one port (HTTPS/WSS with a key and certificate). Create with {@link VoxServer.start}; {@link VoxServer.drain}
 * finishes the work under way and closes; `close()` closes at once. Both release everything.
 */
export class VoxServer {
  private readonly sessions = new Set<Session>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  /**
   * Open sessions, in all and by address, against `maxSessions` and `maxSessionsPerAddress`. Public so that
   * the Wyoming endpoint on this server's runtime counts its connections here too: one limit for both transports.
   */
  readonly admission: Admission;
  private readonly emptied: (() => void)[] = [];
  private heartbeat: NodeJS.Timeout | null = null;
  private draining = false;
  private closing: Promise<void> | null = null;
  private listening: Promise<void> | null = null;
  private graphs = 0;
  private contextWatch: ContextWatch | null = null;
  private readonly trustedProxies: ReadonlySet<string>;

  private constructor(
    readonly options: ServerOptions,
    readonly engine: Engine<ServerOptions>,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    private readonly access: AccessControl,
    readonly log: Logger,
  ) {
    this.admission = new Admission(options);
    this.trustedProxies = trustedProxySet(options.trustProxy);
    // Beside voxstream_active_sessions, for an autoscaler's utilisation (sessions / capacity) and a dashboard.
    const registry = engine.metrics.registry;
    registry.add(
      new Gauge(
        'voxstream_max_sessions',
        'Sessions this process takes (--max-sessions)',
        () => options.maxSessions,
      ),
    );
    registry.add(
      new Gauge('voxstream_ready', '1 while GET /readyz says 200 (takes new sessions), else 0', () =>
        this.readiness() === null ? 1 : 0,
      ),
    );
  }

  /**
   * Loads the models, then listens. Resolves once the port is open; rejects naming a file that will not load.
   * `runtime.wrapRun` goes around every batched model run (tests inject faults there).
   */
  static async start(
    options: Partial<ServerOptions> = {},
    runtime: Pick<EngineLoadOptions, 'wrapRun'> = {},
  ): Promise<VoxServer> {
    const o = resolveServerOptions(options);
    const log = createLogger(o.logLevel);
    const access = new AccessControl(o);
    const http = await createHttp(o);
    let server: VoxServer | undefined;
    const engine = await Engine.load(o, {
      ...runtime,
      log,
      activeSessions: () => server?.sessions.size ?? 0,
    });
    // ws refuses messages over twice the limit as they arrive (1009); the session refuses the rest with a message.
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: 2 * o.maxMessageBytes,
      perMessageDeflate: false,
    });
    server = new VoxServer(o, engine, http, wss, access, log);
    const s = server;
    try {
      if (o.contextsDir) s.contextWatch = await serveContextFolder(o.contextsDir, engine, log);
    } catch (error) {
      await engine.close();
      throw error;
    }
    http.on('request', (req, res) => s.onRequest(req, res));
    http.on('upgrade', (req, socket, head) => s.onUpgrade(req, socket, head));
    try {
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(o.port, o.host, () => resolve());
      });
    } catch (error) {
      s.contextWatch?.close();
      await engine.close();
      throw error;
    }
    s.heartbeat = setInterval(() => s.ping(), o.heartbeatMs);
    s.heartbeat.unref();
    log.info('listening', { url: s.url, defaultContext: o.defaultContext, maxSessions: o.maxSessions });
    if (access.open)
      log.warn('no access tokens configured: anyone who can reach this port may open sessions', {
        url: s.url,
      });
    return s;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** `ws://host:port/`, or `wss://` with TLS. */
  get url(): string {
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `${this.options.tlsKeyPath ? 'wss' : 'ws'}://${host}:${this.port}/`;
  }

  /** Open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stream graphs not yet released (each session's graph ends in `finalize`); 0 when nothing is left running. */
  get liveGraphs(): number {
    return this.graphs;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (servePage(req, res, this.options.contextsDir ? [this.options.contextsDir] : [])) return;
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(this.engine.metrics.registry.render());
    } else if (req.method === 'GET' && path === '/voices') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ voices: this.engine.voices }));
    } else if (req.method === 'GET' && path === '/healthz') {
      // Liveness: the process answers. A draining server is alive (restarting it would cut its sessions short).
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ok: true,
          draining: this.draining || this.closing !== null,
          sessions: this.sessions.size,
        }),
      );
    } else if (req.method === 'GET' && path === '/readyz') {
      const reason = this.readiness();
      res.writeHead(reason === null ? 200 : 503, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ready: reason === null,
          ...(reason === null ? {} : { reason }),
          sessions: this.sessions.size,
          maxSessions: this.options.maxSessions,
        }),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  /**
   * Why the server takes no new session now (`GET /readyz` 503), or null when it does: `draining` from the
   * drain's start (SIGTERM) on, `full` at `maxSessions`. The models are loaded before the port opens, so a
   * server that answers has them.
   */
  readiness(): 'draining' | 'full' | null {
    if (this.draining || this.closing) return 'draining';
    if (this.admission.size >= this.options.maxSessions) return 'full';
    return null;
  }

  /** Everything that can refuse a connection does so here, from the request alone, before any model work. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (this.draining || this.closing)
      return this.refuse(socket, { status: 503, label: 'shutting_down', text: 'shutting down' });
    const grant = this.access.check(req);
    if (isRefusal(grant)) return this.refuse(socket, grant);
    const address = clientAddress(req, this.trustedProxies);
    const over = this.admission.refusal(address, grant.sessionId);
    if (over) return this.refuse(socket, over);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      this.admission.add(address, grant.sessionId);
      const session = new Session(grant.sessionId ?? randomUUID(), ws, this.engine, {
        realtime: grant.realtime,
        expiresAtMs: grant.expiresAtMs,
        closed: (s) => {
          this.sessions.delete(s);
          this.admission.remove(address, grant.sessionId);
          if (this.sessions.size === 0) for (const resolve of this.emptied.splice(0)) resolve();
        },
        graphOpened: () => this.graphs++,
        graphReleased: () => this.graphs--,
      });
      this.sessions.add(session);
    });
  }

  private refuse(socket: Duplex, refusal: Refusal): void {
    this.engine.metrics.refused.inc({ reason: refusal.label });
    const phrase = statusPhrases[refusal.status] ?? 'Refused';
    const extra =
      refusal.status === 401
        ? 'WWW-Authenticate: Bearer\r\n'
        : refusal.status === 429 || refusal.status === 503
          ? 'Retry-After: 5\r\n'
          : '';
    const body = `${refusal.text}\n`;
    socket.end(
      `HTTP/1.1 ${refusal.status} ${phrase}\r\nConnection: close\r\n${extra}Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        // No pong since the last ping: the peer is gone without a close (a dead network, a frozen client).
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  /**
   * Graceful shutdown: stops accepting (new upgrades get 503; the port stays open, so that `/readyz` can say
   * 503 to a load balancer, until everything is closed), lets every session finish
   * the utterances it has under way and their replies, closing each with `VX_SHUTTING_DOWN` (1001) as it
   * does, then after `deadlineMs` closes the rest the same way (their open utterances end with that error)
   * and releases everything. Idempotent; resolves when all is closed.
   */
  async drain(deadlineMs = 10_000): Promise<void> {
    if (this.draining || this.closing) return this.close();
    this.draining = true;
    this.log.info('draining', { sessions: this.sessions.size, deadlineMs });
    const empty = new Promise<void>((resolve) =>
      this.sessions.size === 0 ? resolve() : this.emptied.push(resolve),
    );
    for (const s of [...this.sessions]) s.drain();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([empty, new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(timer);
    if (this.sessions.size > 0) this.log.info('drain deadline reached', { sessions: this.sessions.size });
    return this.close();
  }

  /** Closes the port (once); resolves when the HTTP server has closed, every connection with it. */
  private stopListening(): Promise<void> {
    this.listening ??= new Promise<void>((resolve) => this.http.close(() => resolve()));
    return this.listening;
  }

  /** Stops accepting, ends every session with `VX_SHUTTING_DOWN` (1001), and releases the models. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      this.contextWatch?.close();
      for (const s of [...this.sessions]) s.shutdown();
      // Resolves once every socket has closed (each is terminated if its close handshake stalls).
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
      const stopped = this.stopListening();
      this.http.closeAllConnections();
      await stopped;
      await this.engine.close();
      // The process's utterance accounts, last: beside other processes' they show a cluster's ledger balance.
      const m = this.engine.metrics;
      this.log.info('closed', {
        accepted: m.utterancesAccepted.get(),
        ...Object.fromEntries(
          (['completed', 'errored', 'cancelled', 'abandoned'] as const).map((o) => [
            o,
            m.utterances.get({ outcome: o }),
          ]),
        ),
        violations: m.accountingViolations.get(),
      });
    })();
    return this.closing;
  }
}

const statusPhrases: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  409: 'Conflict',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** An HTTP server, or HTTPS with the configured key and certificate; errors name the files. */
async function createHttp(o: ServerOptions): Promise<Server> {
  if (o.tlsKeyPath === null || o.tlsCertPath === null) return createServer();
  const read = (path: string, what: string) =>
    readFile(path).catch((error: Error) => {
      throw new Error(`cannot read TLS ${what} ${path}: ${error.message}`, { cause: error });
    });
  const [key, cert] = await Promise.all([read(o.tlsKeyPath, 'key'), read(o.tlsCertPath, 'certificate')]);
  try {
    return createHttpsServer({ key, cert });
  } catch (error) {
    throw new Error(
      `cannot use TLS key ${o.tlsKeyPath} with certificate ${o.tlsCertPath}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
