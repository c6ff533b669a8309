import type { Refusal } from './access.ts';

/** Session limits checked at the upgrade. */
export interface AdmissionLimits {
  /** Open sessions in all; more are refused with 503. */
  readonly maxSessions: number;
  /** Open sessions from one remote address; more are refused with 429. */
  readonly maxSessionsPerAddress: number;
}

/**
 * Counts open sessions, in all and by remote address, and the session ids of signed tokens in use, so that an
 * upgrade over a limit is refused before any model work: 503 at the global limit, 429 at the per-address one,
 * 409 for a session id already open.
 */
export class Admission {
  private total = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly sids = new Set<string>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Open sessions counted. */
  get size(): number {
    return this.total;
  }

  /** Why a new session from `address` (with `sid`, if its token names one) may not open now, or null. */
  refusal(address: string, sid: string | null): Refusal | null {
    if (this.total >= this.limits.maxSessions)
      return { status: 503, label: 'session_limit', text: 'session limit reached' };
    if ((this.byAddress.get(address) ?? 0) >= this.limits.maxSessionsPerAddress) {
      return { status: 429, label: 'address_limit', text: 'too many sessions from this address' };
    }
    if (sid !== null && this.sids.has(sid))
      return { status: 409, label: 'session_in_use', text: 'session id already open' };
    return null;
  }

  /** Counts a session in; `remove` must be called once with the same arguments. */
  add(address: string, sid: string | null): void {
    this.total++;
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    if (sid !== null) this.sids.add(sid);
  }

  remove(address: string, sid: string | null): void {
    this.total--;
    const n = (this.byAddress.get(address) ?? 1) - 1;
    if (n > 0) this.byAddress.set(address, n);
    else this.byAddress.delete(address);
    if (sid !== null) this.sids.delete(sid);
  }
}

/** The address a connection counts against: IPv4-mapped IPv6 (`::ffff:10.0.0.1`) folded to IPv4. */
export function remoteAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
