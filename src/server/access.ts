import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { TokenError, verifyToken } from './tokens.ts';

/** What an accepted upgrade may do. */
export interface Grant {
  /** The session id the token names (signed tokens), or null: the server picks one. */
  readonly sessionId: string | null;
  /** Whether audio is held to real time (plus the burst allowance). */
  readonly realtime: boolean;
  /** How the request was let in. */
  readonly via: 'open' | 'static' | 'signed';
  /** When a signed token's `exp` passes, ms since the epoch: the session ends then; null for no expiry. */
  readonly expiresAtMs: number | null;
}

/** An upgrade turned away: the HTTP status, a metrics label and the text sent. */
export interface Refusal {
  readonly status: number;
  readonly label: string;
  readonly text: string;
}

/** Who may connect: static tokens, signed tokens, browser origins. All empty/null: anyone (logged at start-up). */
export interface AccessOptions {
  /** Static tokens; an entry `TOKEN:unlimited` lifts the real-time audio limit for that token. */
  readonly tokens: readonly string[];
  /** Secret of HMAC-SHA256 signed tokens (see tokens.ts), or null. */
  readonly tokenSecret: string | null;
  /** Longest lifetime of a signed token, seconds: one whose `exp` lies further ahead is refused (401). Default 24 h. */
  readonly tokenMaxTtlSec?: number;
  /** Origins (`https://app.example.com`) a browser may connect from, or null for any. Requests without `Origin` are not browsers and pass. */
  readonly allowedOrigins: readonly string[] | null;
}

const unlimitedSuffix = ':unlimited';

/** Parses static token entries: `TOKEN` or `TOKEN:unlimited`; throws TypeError for an empty or spaced one. */
export function parseStaticTokens(entries: readonly string[]): Map<string, { realtime: boolean }> {
  const out = new Map<string, { realtime: boolean }>();
  for (const entry of entries) {
    const unlimited = entry.endsWith(unlimitedSuffix);
    const token = unlimited ? entry.slice(0, -unlimitedSuffix.length) : entry;
    if (token.length === 0 || /[\s,]/.test(token))
      throw new TypeError('server option tokens: a token is empty or holds a space or comma');
    out.set(digest(token), { realtime: !unlimited });
  }
  return out;
}

/** Reads a tokens file: one entry per line (`TOKEN` or `TOKEN:unlimited`); blank lines and `#` comments skipped. */
export async function readTokensFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read tokens file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

/** The token of an upgrade request: `Authorization: Bearer …` first, else the `token` query parameter. */
export function requestToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? (m[1] as string) : null;
  }
  const query = (req.url ?? '').indexOf('?');
  if (query < 0) return null;
  return new URLSearchParams((req.url as string).slice(query + 1)).get('token');
}

/** Hashed so that looking a token up takes the same time whatever its prefix matches. */
function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

/** Decides, from the upgrade request alone, whether a connection is let in; does no I/O. */
export class AccessControl {
  private readonly statics: Map<string, { realtime: boolean }>;
  private readonly origins: ReadonlySet<string> | null;

  constructor(private readonly options: AccessOptions) {
    this.statics = parseStaticTokens(options.tokens);
    this.origins = options.allowedOrigins ? new Set(options.allowedOrigins.map(normalizeOrigin)) : null;
  }

  /** Whether anyone may connect (no tokens of either kind configured). */
  get open(): boolean {
    return this.statics.size === 0 && this.options.tokenSecret === null;
  }

  /** Lets the request in with a {@link Grant}, or refuses it: 403 for an origin not allowed, 401 for a missing or bad token. */
  check(req: IncomingMessage, nowMs: number = Date.now()): Grant | Refusal {
    const origin = req.headers.origin;
    if (this.origins && origin !== undefined && !this.origins.has(normalizeOrigin(origin))) {
      return { status: 403, label: 'origin', text: 'origin not allowed' };
    }
    if (this.open) return { sessionId: null, realtime: true, via: 'open', expiresAtMs: null };
    const token = requestToken(req);
    if (token === null) return { status: 401, label: 'unauthorized', text: 'access token required' };
    const known = this.statics.get(digest(token));
    if (known) return { sessionId: null, realtime: known.realtime, via: 'static', expiresAtMs: null };
    if (this.options.tokenSecret !== null) {
      try {
        const claims = verifyToken(token, this.options.tokenSecret, nowMs, this.options.tokenMaxTtlSec);
        return {
          sessionId: claims.sid,
          realtime: claims.rt !== false,
          via: 'signed',
          expiresAtMs: claims.exp * 1000,
        };
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        return { status: 401, label: 'unauthorized', text: error.message };
      }
    }
    return { status: 401, label: 'unauthorized', text: 'unknown access token' };
  }
}

/** `https://Example.com:443/` → `https://example.com`: how browsers send Origin, so lists may be written loosely. */
function normalizeOrigin(origin: string): string {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? origin : url.origin;
  } catch {
    return origin;
  }
}

/** Whether a check result is a refusal. */
export function isRefusal(result: Grant | Refusal): result is Refusal {
  return 'status' in result;
}
