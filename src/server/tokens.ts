import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What a signed access token says. The token is `base64url(JSON claims) + "." + base64url(HMAC-SHA256)`,
 * the MAC taken with the server's secret over the first part exactly as sent (see PROTOCOL.md "Access").
 */
export interface TokenClaims {
  /** Session id: the `session` the server reports in `ready`; one open session per id. 1–128 of `[A-Za-z0-9._:-]`. */
  readonly sid: string;
  /**
   * Expiry, Unix time in whole seconds (as in JWT; a value in milliseconds is refused): the token is refused at
   * the upgrade from then on, and a session it opened ends then with `VX_TOKEN_EXPIRED`. The server refuses a
   * token whose `exp` lies further ahead than its maximum lifetime (`tokenMaxTtlSec`, default 24 h).
   */
  readonly exp: number;
  /** Real-time audio limit; `false` lets the session stream faster than real time (benchmarks). Default true. */
  readonly rt?: boolean;
}

/** Why a signed token was refused. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code = 'VX_BAD_TOKEN';
}

/** Shortest secret accepted, in bytes of UTF-8: HMAC keys shorter than this are guessable. */
export const minSecretBytes = 16;

const sidPattern = /^[A-Za-z0-9._:-]{1,128}$/;

function mac(payload: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** Makes a signed token for `claims` (`scripts/make-token.ts` is the command-line form). */
export function signToken(claims: TokenClaims, secret: string): string {
  checkClaims(claims);
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(payload, secret).toString('base64url')}`;
}

/** Longest lifetime a signed token may have by default (`exp` at most this far ahead), seconds: 24 h. */
export const defaultTokenMaxTtlSec = 86_400;

/**
 * Latest `exp` taken as seconds: Unix time 10^11 s is the year 5138, while milliseconds since 1973 are all
 * above it, so an `exp` in milliseconds is refused as such instead of reading as a token valid for millennia.
 */
const maxExpSec = 1e11;

/**
 * Checks a token's MAC (in constant time), then its claims, expiry and lifetime.
 * @param nowMs - the time to check expiry against, ms since the epoch
 * @param maxTtlSec - how far ahead of `nowMs` `exp` may lie, seconds (default 24 h)
 * @throws TokenError saying what is wrong (never echoing the token)
 */
export function verifyToken(
  token: string,
  secret: string,
  nowMs: number = Date.now(),
  maxTtlSec: number = defaultTokenMaxTtlSec,
): TokenClaims {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.') || token.length > 4096)
    throw new TokenError('malformed token');
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new TokenError('bad token signature');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new TokenError('token claims are not JSON');
  }
  checkClaims(claims);
  if (claims.exp * 1000 <= nowMs) throw new TokenError('token expired');
  if (claims.exp * 1000 > nowMs + maxTtlSec * 1000)
    throw new TokenError(`token lifetime over the server's maximum of ${maxTtlSec} s`);
  return claims;
}

function checkClaims(claims: unknown): asserts claims is TokenClaims {
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw new TokenError('token claims must be an object');
  const { sid, exp, rt } = claims as Record<string, unknown>;
  if (typeof sid !== 'string' || !sidPattern.test(sid))
    throw new TokenError('token sid must be 1–128 of [A-Za-z0-9._:-]');
  if (typeof exp !== 'number' || !Number.isInteger(exp) || exp < 0 || exp >= maxExpSec)
    throw new TokenError('token exp must be a Unix time in whole seconds');
  if (rt !== undefined && typeof rt !== 'boolean') throw new TokenError('token rt must be a boolean');
}
