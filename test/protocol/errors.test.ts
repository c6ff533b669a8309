import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ErrorCode, VoxError, errorCodes } from '../../src/protocol/errors.ts';

describe('VoxError', () => {
  it('carries its code, name, message and cause', () => {
    const cause = new Error('socket reset');
    const error = new VoxError('VX_INTERNAL', 'it broke', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('VoxError');
    expect(error.code).toBe('VX_INTERNAL');
    expect(error.message).toBe('it broke');
    expect(error.cause).toBe(cause);
    expect(new VoxError('VX_BAD_AUDIO', 'odd bytes').cause).toBeUndefined();
  });

  it('gives the close code of codes that end the session and null for the rest', () => {
    expect(new VoxError('VX_FRAME_TOO_LARGE', '').closeCode).toBe(1009);
    expect(new VoxError('VX_BACKPRESSURE', '').closeCode).toBe(1008);
    expect(new VoxError('VX_OVERLOADED', '').closeCode).toBe(1013);
    expect(new VoxError('VX_SHUTTING_DOWN', '').closeCode).toBe(1001);
    expect(new VoxError('VX_INTERNAL', '').closeCode).toBe(1011);
    expect(new VoxError('VX_BAD_MESSAGE', '').closeCode).toBeNull();
    expect(new VoxError('VX_UTTERANCE_TOO_LONG', '').closeCode).toBeNull();
    expect(new VoxError('VX_INFERENCE_FAILED', '').closeCode).toBeNull();
  });

  it('takes a close code for a non-fatal code that ends a session (a flood of bad frames)', () => {
    expect(new VoxError('VX_BAD_AUDIO', 'flood', { close: 1008 }).closeCode).toBe(1008);
    expect(new VoxError('VX_BAD_AUDIO', 'flood', { close: 1008 }).cause).toBeUndefined();
  });

  it('agrees with the error table of PROTOCOL.md, code by code', () => {
    const doc = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(VX_[A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [
      m[1],
      (m[2] ?? '').trim(),
    ]);
    const documented = Object.fromEntries(
      rows.map(([code, close]) => [code, close === '—' ? null : Number(close)]),
    );
    const table = Object.fromEntries(
      (Object.keys(errorCodes) as ErrorCode[]).map((code) => [code, new VoxError(code, '').closeCode]),
    );
    expect(documented).toEqual(table);
  });
});
