import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAddress, trustedProxySet } from '../../src/server/clientAddress.ts';
import { VoxServer } from '../../src/server/index.ts';
import { type Raw, connect, open, waitFor } from '../helpers/harness.ts';
import { syntheticSpeech } from '../helpers/models.ts';

const request = (peer: string, forwardedFor?: string | string[]) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  const proxies = trustedProxySet(['10.0.0.5', '10.0.0.6', '::1']);

  it('takes X-Forwarded-For only from a listed proxy, the first hop from the right that no proxy owns', () => {
    expect(clientAddress(request('10.0.0.5', '203.0.113.7'), proxies)).toBe('203.0.113.7');
    // A client's own claim (leftmost) is not believed past the hop the trusted proxy saw.
    expect(clientAddress(request('10.0.0.5', '1.2.3.4, 203.0.113.7'), proxies)).toBe('203.0.113.7');
    // Two proxies in a row: the hop the inner one added is skipped.
    expect(clientAddress(request('10.0.0.5', '203.0.113.7, 10.0.0.6'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('10.0.0.5', ['198.51.100.1', '203.0.113.9'].join(', ')), proxies)).toBe(
      '203.0.113.9',
    );
    expect(clientAddress(request('::ffff:10.0.0.5', '::ffff:203.0.113.7'), proxies)).toBe('203.0.113.7');
    expect(clientAddress(request('::1', '2001:db8::1'), proxies)).toBe('2001:db8::1');
  });

  it('ignores the header from any other peer, and counts a missing or malformed one against the proxy', () => {
    expect(clientAddress(request('198.51.100.9', '203.0.113.7'), proxies)).toBe('198.51.100.9');
    expect(clientAddress(request('10.0.0.5'), proxies)).toBe('10.0.0.5');
    expect(clientAddress(request('10.0.0.5', 'not-an-address'), proxies)).toBe('10.0.0.5');
    expect(clientAddress(request('10.0.0.5', '203.0.113.7, garbage'), proxies)).toBe('10.0.0.5');
    expect(clientAddress(request('10.0.0.5', '10.0.0.6'), proxies)).toBe('10.0.0.6');
    expect(clientAddress(request('10.0.0.5', ''), new Set())).toBe('10.0.0.5');
  });

  it('refuses an entry that is not an IP address, naming it', () => {
    expect(() => trustedProxySet(['10.0.0.0/8'])).toThrow(/"10\.0\.0\.0\/8" is not an IP address/);
    expect(() => trustedProxySet(['proxy.local'])).toThrow(TypeError);
  });
});

describe('a server behind a trusted proxy', () => {
  let server: VoxServer;
  const opened: Raw[] = [];
  const url = () => `ws://127.0.0.1:${server.port}/`;
  const via = (localAddress: string, client: string) => ({
    localAddress,
    headers: { 'x-forwarded-for': client },
  });

  beforeAll(async () => {
    server = await VoxServer.start({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      maxSessionsPerAddress: 1,
      trustProxy: ['127.0.0.1'],
      ...syntheticSpeech,
    });
  }, 60_000);
  afterAll(async () => {
    for (const r of opened) r.ws.terminate();
    await server?.close();
  });

  it('applies the per-address limit to the forwarded client address, and to the peer for anyone else', async () => {
    opened.push(await open(url(), via('127.0.0.1', '203.0.113.1')));
    opened.push(await open(url(), via('127.0.0.1', '203.0.113.2')));
    expect(await connect(url(), via('127.0.0.1', '203.0.113.1'))).toMatchObject({ status: 429 });
    // 127.0.0.2 is no proxy: its header is ignored, so it counts as itself (one slot), whatever it claims.
    opened.push(await open(url(), via('127.0.0.2', '203.0.113.3')));
    expect(await connect(url(), via('127.0.0.2', '203.0.113.4'))).toMatchObject({ status: 429 });
    await waitFor(() => server.sessionCount === 3);
  });
});
