import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { type ServerOptions, resolveServerOptions } from './config.ts';
import { Engine } from './engine.ts';
import { type Logger, createLogger } from './log.ts';
import { Session } from './session.ts';

/**
 * The voxstream server: HTTP (`GET /metrics`, `GET /healthz`) and WebSocket voice sessions on one port.
 * Create with {@link VoxServer.start}; `close()` drains and releases everything.
 */
export class VoxServer {
  private readonly sessions = new Set<Session>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private heartbeat: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    readonly options: ServerOptions,
    readonly engine: Engine,
    private readonly http: Server,
    private readonly wss: WebSocketServer,
    readonly log: Logger,
  ) {}

  /** Loads the models, then listens. Resolves once the port is open. */
  static async start(options: Partial<ServerOptions> = {}): Promise<VoxServer> {
    const o = resolveServerOptions(options);
    const log = createLogger(o.logLevel);
    let server: VoxServer | undefined;
    const engine = await Engine.load(o, log, () => server?.sessions.size ?? 0);
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true, maxPayload: o.maxFrameBytes, perMessageDeflate: false });
    server = new VoxServer(o, engine, http, wss, log);
    const s = server;
    http.on('request', (req, res) => s.onRequest(req, res));
    http.on('upgrade', (req, socket, head) => s.onUpgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(o.port, o.host, () => resolve());
    });
    s.heartbeat = setInterval(() => s.ping(), o.heartbeatMs);
    s.heartbeat.unref();
    log.info('listening', { url: `ws://${o.host}:${s.port}/`, defaultContext: o.defaultContext, maxSessions: o.maxSessions });
    return s;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Open sessions. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.engine.metrics.registry.render());
    } else if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: !this.closing, sessions: this.sessions.size }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, reason: string) => {
      this.engine.metrics.refused.inc({ reason });
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length + 1}\r\n\r\n${reason}\n`);
    };
    if (this.closing) return refuse(503, 'shutting down');
    // Refused before any model work: overload must not slow down the sessions already running.
    if (this.sessions.size >= this.options.maxSessions) return refuse(503, 'session limit reached');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      const session = new Session(randomUUID(), ws, this.engine, (s) => this.sessions.delete(s));
      this.sessions.add(session);
    });
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  /** Stops accepting, closes every session with 1001, and releases the models. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.heartbeat) clearInterval(this.heartbeat);
      for (const s of [...this.sessions]) s.close(1001, 'VX_SHUTTING_DOWN');
      await new Promise<void>((resolve) => this.wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        this.http.close(() => resolve());
        this.http.closeAllConnections();
      });
      await this.engine.close();
      this.log.info('closed', {});
    })();
    return this.closing;
  }
}
