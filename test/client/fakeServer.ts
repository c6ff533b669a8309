import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A stand-in for the real server, for client-side unit tests only (the real end-to-end tests use VoxServer). */
export interface FakeServer {
  readonly url: string;
  readonly wss: WebSocketServer;
  close(): Promise<void>;
}

/** Starts a WebSocket server on 127.0.0.1, port 0, calling `onConnection` for each client. */
export async function startFakeServer(
  onConnection: (ws: WebSocket, request: IncomingMessage) => void,
  options: { verifyClient?: (info: { req: IncomingMessage }) => boolean } = {},
): Promise<FakeServer> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    ...(options.verifyClient === undefined ? {} : { verifyClient: options.verifyClient }),
  });
  wss.on('connection', onConnection);
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/`,
    wss,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Sends a JSON message. */
export function sendJson(ws: WebSocket, message: object): void {
  ws.send(JSON.stringify(message));
}

/** A valid `ready` for a start message asking for `audio`. */
export function readyFor(audio: { encoding: string; sampleRate: number }): object {
  return {
    type: 'ready',
    protocol: 1,
    session: 's-1',
    context: { name: 'smart_home', intents: ['changeLightState'] },
    audio,
    reply: { enabled: true, encoding: 'pcm_s16le', sampleRate: 16000 },
  };
}
