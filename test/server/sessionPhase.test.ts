import { describe, expect, it } from 'vitest';
import { SessionLifecycle, SessionPhaseError, canMove } from '../../src/server/sessionPhase.ts';

describe('SessionLifecycle', () => {
  it('walks the common life of a session: awaiting, starting, running, stopping, closed', () => {
    const life = new SessionLifecycle();
    expect(life.phase).toEqual({ name: 'awaiting' });
    life.moveTo({ name: 'starting', stopRequested: false });
    expect(life.listening).toBe(false);
    life.moveTo({ name: 'starting', stopRequested: true }); // a stop while start is being answered
    life.moveTo({ name: 'running' });
    expect(life.listening).toBe(true);
    life.moveTo({ name: 'stopping' });
    expect(life.listening).toBe(false);
    expect(life.over).toBe(false);
    life.moveTo({ name: 'closed' });
    expect(life.over).toBe(true);
  });

  it('listens while draining, and ends through ending', () => {
    const life = new SessionLifecycle();
    life.moveTo({ name: 'starting', stopRequested: false });
    life.moveTo({ name: 'running' });
    life.moveTo({ name: 'draining', upTo: 3 });
    expect(life.listening).toBe(true);
    life.moveTo({ name: 'ending' });
    expect(life.over).toBe(true);
    life.moveTo({ name: 'closed' });
  });

  it('refuses moves the lifecycle does not allow, and leaves the phase as it was', () => {
    const life = new SessionLifecycle();
    expect(() => life.moveTo({ name: 'running' })).toThrow(SessionPhaseError);
    expect(() => life.moveTo({ name: 'draining', upTo: 0 })).toThrow(/from awaiting to draining/);
    expect(life.phase.name).toBe('awaiting');
    life.moveTo({ name: 'closed' });
    for (const name of ['awaiting', 'running', 'ending', 'closed'] as const)
      expect(canMove('closed', name)).toBe(false);
    expect(canMove('ending', 'running')).toBe(false);
    expect(canMove('stopping', 'running')).toBe(false);
    expect(canMove('starting', 'awaiting')).toBe(true); // start refused: the client may try again
  });
});
