import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AccessControl, isRefusal, readTokensFile } from '../../src/server/access.ts';
import { VoxServer } from '../../src/server/index.ts';
import { TokenError, signToken, verifyToken } from '../../src/server/tokens.ts';
import { type Raw, connect, open, started, waitFor } from '../helpers/harness.ts';

const secret = 'test-secret-0123456789abcdef';
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

describe('signed tokens', () => {
  it('round-trips claims and refuses tampering, another secret, expiry and bad claims', () => {
    const token = signToken({ sid: 'dev-1', exp: inAnHour(), rt: false }, secret);
    expect(verifyToken(token, secret)).toEqual({ sid: 'dev-1', exp: expect.any(Number), rt: false });
    const [payload, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ sid: 'dev-1', exp: inAnHour() + 99, rt: false })).toString(
      'base64url',
    );
    expect(() => verifyToken(`${forged}.${mac}`, secret)).toThrow(/signature/);
    expect(() => verifyToken(`${payload}.${mac.slice(1)}`, secret)).toThrow(/signature/);
    expect(() => verifyToken(token, `${secret}x`)).toThrow(TokenError);
    expect(() => verifyToken(signToken({ sid: 'a', exp: 1000 }, secret), secret)).toThrow(/expired/);
    expect(() => verifyToken('no-dot', secret)).toThrow(/malformed/);
    expect(() => verifyToken('a.b.c', secret)).toThrow(/malformed/);
    expect(() => signToken({ sid: 'has space', exp: inAnHour() }, secret)).toThrow(/sid/);
    const badClaims = Buffer.from('[1]').toString('base64url');
    const signed = `${badClaims}.${signToken({ sid: 'x', exp: 1 }, secret).split('.')[1]}`;
    expect(() => verifyToken(signed, secret)).toThrow(TokenError);
  });

  it('refuses an exp in milliseconds and one further ahead than the maximum lifetime', () => {
    const nowMs = Date.now();
    const inMs = Buffer.from(JSON.stringify({ sid: 'a', exp: nowMs + 3_600_000 })).toString('base64url');
    const mac = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
    expect(() => verifyToken(`${inMs}.${mac(inMs)}`, secret, nowMs)).toThrow(/whole seconds/);
    expect(() => signToken({ sid: 'a', exp: 1.5 + inAnHour() }, secret)).toThrow(/whole seconds/);
    const twoDays = signToken({ sid: 'a', exp: Math.floor(nowMs / 1000) + 2 * 86_400 }, secret);
    expect(() => verifyToken(twoDays, secret, nowMs)).toThrow(/maximum of 86400 s/);
    expect(verifyToken(twoDays, secret, nowMs, 3 * 86_400).sid).toBe('a');
    expect(verifyToken(signToken({ sid: 'a', exp: inAnHour() }, secret), secret, nowMs, 3600).sid).toBe('a');
  });
});

describe('AccessControl', () => {
  const req = (headers: Record<string, string>, url = '/') =>
    ({ headers, url }) as unknown as IncomingMessage;
  const access = new AccessControl({
    tokens: ['plain', 'fast:unlimited'],
    tokenSecret: secret,
    allowedOrigins: ['https://App.example.com:443'],
  });

  it('takes the token from the Authorization header, else from ?token=', () => {
    expect(access.check(req({ authorization: 'Bearer plain' }))).toEqual({
      sessionId: null,
      realtime: true,
      via: 'static',
      expiresAtMs: null,
    });
    expect(access.check(req({}, '/?token=fast'))).toEqual({
      sessionId: null,
      realtime: false,
      via: 'static',
      expiresAtMs: null,
    });
    const exp = inAnHour();
    const signed = signToken({ sid: 's-1', exp }, secret);
    expect(access.check(req({ authorization: `bearer ${signed}` }))).toEqual({
      sessionId: 's-1',
      realtime: true,
      via: 'signed',
      expiresAtMs: exp * 1000,
    });
    expect(access.check(req({ authorization: 'Basic plain' }))).toMatchObject({ status: 401 });
    expect(access.check(req({}))).toMatchObject({ status: 401 });
    expect(access.check(req({ authorization: 'Bearer plai' }))).toMatchObject({ status: 401 });
  });

  it('refuses browsers from origins not listed (403), and lets requests without Origin through', () => {
    expect(
      access.check(req({ authorization: 'Bearer plain', origin: 'https://app.example.com' })),
    ).toMatchObject({ via: 'static' });
    expect(
      access.check(req({ authorization: 'Bearer plain', origin: 'https://evil.example.com' })),
    ).toMatchObject({ status: 403 });
    expect(access.check(req({ origin: 'null' }))).toMatchObject({ status: 403 });
  });

  it('is open with no tokens configured, and rejects malformed static tokens at start-up', () => {
    const openAccess = new AccessControl({ tokens: [], tokenSecret: null, allowedOrigins: null });
    expect(openAccess.open).toBe(true);
    expect(isRefusal(openAccess.check(req({})))).toBe(false);
    expect(() => new AccessControl({ tokens: ['a b'], tokenSecret: null, allowedOrigins: null })).toThrow(
      TypeError,
    );
  });

  it('reads a tokens file, skipping comments and blank lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-tokens-'));
    try {
      writeFileSync(join(dir, 't'), '# devices\nabc\n\n  bench:unlimited  # for benchmarks\n');
      expect(await readTokensFile(join(dir, 't'))).toEqual(['abc', 'bench:unlimited']);
      await expect(readTokensFile(join(dir, 'missing'))).rejects.toThrow(/missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the upgrade of a server with tokens and limits', () => {
  let server: VoxServer;
  const url = () => `ws://127.0.0.1:${server.port}/`;
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
  const opened: Raw[] = [];

  beforeAll(async () => {
    server = await VoxServer.start({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      tokens: ['static-token-1', 'bench-token:unlimited'],
      tokenSecret: secret,
      allowedOrigins: ['https://app.example.com'],
      maxSessions: 3,
      maxSessionsPerAddress: 2,
    });
  });
  afterAll(async () => {
    for (const r of opened) r.ws.terminate();
    await server?.close();
  });

  const refused = (reason: string) => server.engine.metrics.refused.get({ reason });

  it('refuses a missing or unknown token with 401 and lets a static token in (header or query)', async () => {
    expect(await connect(url())).toMatchObject({ status: 401, body: 'access token required\n' });
    expect(await connect(url(), bearer('static-token-2'))).toMatchObject({ status: 401 });
    expect(await connect(`${url()}?token=nope`)).toMatchObject({ status: 401 });
    expect(refused('unauthorized')).toBe(3);
    const a = await started(url(), bearer('static-token-1'));
    expect(a.messages[0]).toMatchObject({ type: 'ready' });
    const b = await started(`${url()}?token=bench-token`);
    expect(b.messages[0]).toMatchObject({ type: 'ready' });
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
    await waitFor(() => server.sessionCount === 0);
  });

  it('takes a signed token: its sid is the session id, one session per sid; expired or forged is 401', async () => {
    const token = signToken({ sid: 'kitchen-panel-7', exp: inAnHour() }, secret);
    const a = await started(url(), bearer(token));
    expect(a.messages[0]).toMatchObject({ type: 'ready', session: 'kitchen-panel-7' });
    expect(await connect(url(), bearer(token))).toMatchObject({ status: 409 });
    expect(
      await connect(url(), bearer(signToken({ sid: 'old', exp: Math.floor(Date.now() / 1000) - 1 }, secret))),
    ).toMatchObject({
      status: 401,
      body: 'token expired\n',
    });
    expect(
      await connect(url(), bearer(signToken({ sid: 'x', exp: inAnHour() }, 'another-secret-0123456789'))),
    ).toMatchObject({ status: 401 });
    a.ws.close();
    await a.closed;
    await waitFor(() => server.sessionCount === 0);
    const again = await started(url(), bearer(token));
    expect(again.messages[0]).toMatchObject({ session: 'kitchen-panel-7' });
    again.ws.close();
    await again.closed;
  });

  it('ends a session when its signed token expires, with VX_TOKEN_EXPIRED and close 1008', async () => {
    // exp is in whole seconds: this one passes 1–2 s from now.
    const exp = Math.ceil(Date.now() / 1000) + 1;
    const a = await started(url(), bearer(signToken({ sid: 'short-lived', exp }, secret)));
    expect(a.messages[0]).toMatchObject({ type: 'ready', session: 'short-lived' });
    const closed = await a.closed;
    const endedAt = Date.now();
    expect(closed).toEqual({ code: 1008, reason: 'VX_TOKEN_EXPIRED' });
    expect(a.messages.at(-1)).toMatchObject({ type: 'error', code: 'VX_TOKEN_EXPIRED', fatal: true });
    // Not before exp, and within the limit timer's period (1 s) plus scheduling after it.
    expect(endedAt).toBeGreaterThanOrEqual(exp * 1000);
    expect(endedAt).toBeLessThan(exp * 1000 + 2000);
    await waitFor(() => server.sessionCount === 0);
  });

  it('refuses a browser origin not on the allow-list with 403, token or not', async () => {
    expect(
      await connect(url(), {
        headers: { authorization: 'Bearer static-token-1', origin: 'https://evil.example.com' },
      }),
    ).toMatchObject({ status: 403 });
    const ok = await open(url(), {
      headers: { authorization: 'Bearer static-token-1', origin: 'https://app.example.com' },
    });
    ok.ws.close();
    await ok.closed;
    expect(refused('origin')).toBe(1);
  });

  it('refuses over the per-address limit with 429 and over the global limit with 503, before any model work', async () => {
    await waitFor(() => server.sessionCount === 0);
    const from = (localAddress: string) => ({ ...bearer('static-token-1'), localAddress });
    opened.push(await open(url(), from('127.0.0.1')), await open(url(), from('127.0.0.1')));
    expect(await connect(url(), from('127.0.0.1'))).toMatchObject({ status: 429 });
    opened.push(await open(url(), from('127.0.0.2')));
    expect(await connect(url(), from('127.0.0.3'))).toMatchObject({ status: 503 });
    expect(server.sessionCount).toBe(3);
    expect(server.liveGraphs).toBe(0); // none of them started: no graph was ever built for a refused one
    expect(refused('address_limit')).toBe(1);
    expect(refused('session_limit')).toBe(1);
    // A slot frees when a session closes.
    const first = opened.shift() as Raw;
    first.ws.close();
    await first.closed;
    await waitFor(() => server.sessionCount === 2);
    opened.push(await open(url(), from('127.0.0.1')));
  });
});

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('an open server', () => {
  it('warns at start-up that it is open to anyone', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const server = await VoxServer.start({ port: 0, host: '127.0.0.1', logLevel: 'info' });
      await server.close();
    } finally {
      spy.mockRestore();
    }
    const warning = lines
      .map((l) => JSON.parse(l) as { level: string; msg: string })
      .find((l) => l.level === 'warn' && /no access tokens/.test(l.msg));
    expect(warning).toBeDefined();
  });

  it.skipIf(!hasOpenssl)(
    'serves WSS with a key and certificate (self-signed, made here with openssl)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'vx-tls-'));
      const key = join(dir, 'key.pem');
      const cert = join(dir, 'cert.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          key,
          '-out',
          cert,
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      await expect(
        VoxServer.start({
          port: 0,
          host: '127.0.0.1',
          logLevel: 'silent',
          tlsKeyPath: join(dir, 'nope.pem'),
          tlsCertPath: cert,
        }),
      ).rejects.toThrow(/nope\.pem/);
      const server = await VoxServer.start({
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        tlsKeyPath: key,
        tlsCertPath: cert,
      });
      try {
        expect(server.url).toMatch(/^wss:\/\//);
        const raw = await started(server.url, { ca: [readFileSync(cert)] });
        expect(raw.messages[0]).toMatchObject({ type: 'ready' });
        raw.ws.close();
        await raw.closed;
        // Plain ws:// to a TLS port does not get a session.
        await expect(connect(server.url.replace('wss:', 'ws:'))).rejects.toThrow();
      } finally {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
