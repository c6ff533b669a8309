import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { remoteAddress } from './admission.ts';

/**
 * The address a connection counts against for the per-address limit. It is the peer's address, unless the
 * peer is one of `trustedProxies` (`--trust-proxy`): then `X-Forwarded-For` is read from its right end, each
 * hop a trusted proxy added being skipped, and the first address no trusted proxy owns is the client. A
 * header that is missing or malformed counts the connection against the last trusted hop. Headers from any
 * other peer are ignored: a client could otherwise claim any address it likes.
 */
export function clientAddress(req: IncomingMessage, trustedProxies: ReadonlySet<string>): string {
  let address = remoteAddress(req.socket.remoteAddress);
  if (!trustedProxies.has(address)) return address;
  const header = req.headers['x-forwarded-for'];
  // Node joins repeated X-Forwarded-For headers with ", ": one list, oldest hop first.
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = remoteAddress((hops[i] as string).trim());
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!trustedProxies.has(hop)) return hop;
  }
  return address;
}

/**
 * Checks `--trust-proxy` entries (IPv4 or IPv6 addresses, as the server sees its peers) and folds them as
 * {@link remoteAddress} does. Throws TypeError naming the entry that is not an address.
 */
export function trustedProxySet(addresses: readonly string[]): ReadonlySet<string> {
  if (!Array.isArray(addresses)) throw new TypeError('server option trustProxy must be a list of addresses');
  for (const a of addresses) {
    if (typeof a !== 'string' || isIP(a) === 0)
      throw new TypeError(
        `server option trustProxy: "${String(a)}" is not an IP address (list proxies by address, e.g. 10.0.0.5)`,
      );
  }
  return new Set(addresses.map((a) => remoteAddress(a)));
}
