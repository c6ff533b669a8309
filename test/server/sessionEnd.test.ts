import { describe, expect, it } from 'vitest';
import { endLabels, endedWith } from '../../src/server/sessionEnd.ts';

describe('session endings', () => {
  it('counts each code that ends a session as a timeout, a drain or an error', () => {
    expect(endedWith('VX_IDLE_TIMEOUT')).toEqual({ reason: 'timeout', code: 'VX_IDLE_TIMEOUT' });
    expect(endedWith('VX_SESSION_TIME_LIMIT').reason).toBe('timeout');
    expect(endedWith('VX_TOKEN_EXPIRED').reason).toBe('timeout');
    expect(endedWith('VX_SHUTTING_DOWN').reason).toBe('drained');
    expect(endedWith('VX_BAD_AUDIO').reason).toBe('error');
    expect(endLabels({ reason: 'client_gone' })).toEqual({ end: 'client_gone' });
    expect(endLabels(endedWith('VX_BACKPRESSURE'))).toEqual({ end: 'error', code: 'VX_BACKPRESSURE' });
  });
});
