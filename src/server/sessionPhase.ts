/**
 * Where a session is in its life. One value instead of a state plus flags:
 *
 *   awaiting ──start──▶ starting ──ready──▶ running ──stop──▶ stopping ──graph done──▶ closed
 *      ▲                   │                   │ drain                                    ▲
 *      └────refused────────┘                   ▼                                          │
 *                                           draining ──stop / all answered──▶ ...         │
 *   any phase but closed ──fatal error──▶ ending (its last errors go out) ──▶ closed ─────┘
 *   any phase ──the client goes away──▶ closed
 *
 * `starting` remembers a `stop` that came while `start` was being answered; `draining` the last utterance
 * that must still be answered before the session closes with `VX_SHUTTING_DOWN`.
 */
export type SessionPhase =
  | { readonly name: 'awaiting' }
  | { readonly name: 'starting'; readonly stopRequested: boolean }
  | { readonly name: 'running' }
  | { readonly name: 'draining'; readonly upTo: number }
  | { readonly name: 'stopping' }
  | { readonly name: 'ending' }
  | { readonly name: 'closed' };

export type SessionPhaseName = SessionPhase['name'];

/** The moves each phase allows. */
const allowed: Readonly<Record<SessionPhaseName, readonly SessionPhaseName[]>> = {
  awaiting: ['starting', 'ending', 'closed'],
  starting: ['starting', 'awaiting', 'running', 'ending', 'closed'],
  running: ['draining', 'stopping', 'ending', 'closed'],
  draining: ['stopping', 'ending', 'closed'],
  stopping: ['ending', 'closed'],
  ending: ['closed'],
  closed: [],
};

/** A move the lifecycle does not allow: a bug in the session, never the client's doing. */
export class SessionPhaseError extends Error {
  override readonly name = 'SessionPhaseError';
}

/** Whether a session in `from` may move to `to`. */
export function canMove(from: SessionPhaseName, to: SessionPhaseName): boolean {
  return allowed[from].includes(to);
}

/**
 * The phase of one session, moved only along the allowed transitions.
 *
 * @throws {SessionPhaseError} from {@link moveTo} on a move the lifecycle does not allow
 */
export class SessionLifecycle {
  #phase: SessionPhase = { name: 'awaiting' };

  get phase(): SessionPhase {
    return this.#phase;
  }

  /** Whether the phase is one of `names`. */
  is(...names: SessionPhaseName[]): boolean {
    return names.includes(this.#phase.name);
  }

  /** Whether the session listens to audio: running or draining. */
  get listening(): boolean {
    return this.is('running', 'draining');
  }

  /** Whether the session is on its way out or gone: nothing new starts then. */
  get over(): boolean {
    return this.is('ending', 'closed');
  }

  moveTo(next: SessionPhase): void {
    if (!canMove(this.#phase.name, next.name))
      throw new SessionPhaseError(`a session cannot move from ${this.#phase.name} to ${next.name}`);
    this.#phase = next;
  }
}
