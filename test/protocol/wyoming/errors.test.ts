import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WyomingError, wyomingErrorCodes } from '../../../src/protocol/wyoming/index.ts';

describe('WyomingError', () => {
  it('carries its code, name, cause and whether it closes the connection', () => {
    const cause = new Error('x');
    const error = new WyomingError('VX_WY_TOO_LARGE', 'too big', { cause });
    expect(error).toMatchObject({ name: 'WyomingError', code: 'VX_WY_TOO_LARGE', message: 'too big', cause });
    expect(error.closes).toBe(true);
    expect(new WyomingError('VX_WY_BAD_DATA', '').closes).toBe(false);
  });

  it('agrees with the error table of docs/wyoming.md, code by code', () => {
    const doc = readFileSync(new URL('../../../docs/wyoming.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(VX_[A-Z_]+)` *\| (yes|no) *\| (.+?) *\|$/gm)];
    const documented = Object.fromEntries(rows.map((m) => [m[1], { close: m[2] === 'yes', meaning: m[3] }]));
    expect(documented).toEqual(wyomingErrorCodes);
  });
});
