import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcousticTables, loadAcousticTables } from '../../src/asr/acousticTables.ts';
import { ModelLoadError } from '../../src/inference/providers.ts';

/** A three-phone model small enough to reach every back-off step of the triphone lookup. */
function tinyTables(): AcousticTables {
  const stay = [Math.log(0.6), Math.log(0.4)];
  return new AcousticTables({
    format: 'voxstream-am-v1',
    source: 'test',
    frontEnd: {} as never,
    phones: ['+NSN+', 'A', 'B', 'SIL'],
    fillers: ['+NSN+', 'SIL'],
    silence: 'SIL',
    nSenones: 20,
    ciSenones: [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
      [9, 10, 11],
    ],
    senoneBase: [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1],
    tmats: [0, 1, 2, 3].map(() => [stay, stay, stay] as [number, number][]),
    triphones: { 'A B B e': 0, 'A SIL B b': 1, 'A B SIL e': 2, 'A SIL SIL e': 3 },
    sseqs: [
      [12, 13, 14],
      [15, 16, 17],
      [18, 19, 12],
      [13, 14, 15],
    ],
  });
}

describe('AcousticTables (back-off, as bin_mdef_phone_id_nearest)', () => {
  const tables = tinyTables();

  it('finds the exact triphone', () => {
    expect(tables.senonesOf('A', 'B', 'B', 'e')).toEqual([12, 13, 14]);
  });

  it('tries the other word positions in pocketsphinx order (i, b, e, s)', () => {
    expect(tables.senonesOf('A', 'B', 'B', 'i')).toEqual([12, 13, 14]);
    expect(tables.senonesOf('A', 'SIL', 'B', 'e')).toEqual([15, 16, 17]);
  });

  it('treats a filler context as silence', () => {
    expect(tables.senonesOf('A', '+NSN+', 'B', 'b')).toEqual([15, 16, 17]);
  });

  it('puts silence left of a word-initial phone and right of a word-final one when nothing else fits', () => {
    // 'A A B' exists nowhere; at the start of a word the left context becomes SIL: 'A SIL B b'.
    expect(tables.senonesOf('A', 'A', 'B', 'b')).toEqual([15, 16, 17]);
    // At the end of a word the right context becomes SIL: 'A B SIL e'.
    expect(tables.senonesOf('A', 'B', 'A', 'e')).toEqual([18, 19, 12]);
    // A single-phone word gets silence on both sides: 'A SIL SIL s' is missing, 'A SIL SIL e' is not.
    expect(tables.senonesOf('A', 'A', 'A', 's')).toEqual([13, 14, 15]);
  });

  it('falls back to the context-independent senones', () => {
    expect(tables.senonesOf('A', 'A', 'A', 'i')).toEqual([3, 4, 5]);
    expect(tables.senonesOf('B', 'A', 'A', 'b')).toEqual([6, 7, 8]);
    expect(tables.senonesOf('SIL', 'A', 'B', 'i')).toEqual([9, 10, 11]);
    expect(tables.senonesOf('A', 'NOPE', 'B', 'b')).toEqual([3, 4, 5]);
  });

  it('throws for a base phone the model does not have', () => {
    expect(() => tables.senonesOf('ZZ', 'A', 'B', 'b')).toThrow(TypeError);
    expect(() => tables.transitions('ZZ')).toThrow(TypeError);
  });
});

describe('loadAcousticTables (models/am-en-us)', () => {
  let tables: AcousticTables;
  beforeAll(async () => {
    tables = await loadAcousticTables();
  });

  it('holds the CMU en-us model as its mdef describes it', () => {
    expect(tables.phones).toHaveLength(42);
    expect(tables.phones.slice(0, 3)).toEqual(['+NSN+', '+SPN+', 'AA']);
    expect([...tables.fillers].sort()).toEqual(['+NSN+', '+SPN+', 'SIL']);
    expect(tables.nSenones).toBe(5126);
    expect(tables.triphoneCount).toBe(137053);
    expect(tables.frontEnd).toMatchObject({ sampleRate: 16000, nfilt: 25, lowerf: 130, upperf: 6800 });
    expect(tables.frontEnd.cmninit).toHaveLength(13);
  });

  it('maps triphones to the senones of the mdef lines', () => {
    // pocketsphinx_mdef_convert -text: "AA AA AE s n/a 2 158 165 210 N", "AA AA AH b n/a 2 162 166 210 N".
    expect(tables.senonesOf('AA', 'AA', 'AE', 's')).toEqual([158, 165, 210]);
    expect(tables.senonesOf('AA', 'AA', 'AH', 'b')).toEqual([162, 166, 210]);
    // 'AA AA AH' exists at b and s only: internal backs off to b.
    expect(tables.senonesOf('AA', 'AA', 'AH', 'i')).toEqual([162, 166, 210]);
    expect(tables.senonesOf('AA', '+NSN+', 'B', 'b')).toEqual(tables.senonesOf('AA', 'SIL', 'B', 'b'));
    expect(tables.senonesOf('SIL', 'AA', 'B', 'i')).toEqual([96, 97, 98]);
    // No 'AE AA AA' anywhere, and none with silence either: the CI senones.
    expect(tables.senonesOf('AE', 'AA', 'AA', 'i')).toEqual(tables.ciSenonesOf('AE'));
  });

  it('gives every senone its base phone and every phone a left-to-right transition matrix', () => {
    for (const [p, phone] of tables.phones.entries()) {
      for (const s of tables.ciSenonesOf(phone)) expect(tables.senoneBase[s]).toBe(p);
      const t = tables.transitions(phone);
      expect(t).toHaveLength(6);
      for (let state = 0; state < 3; state++) {
        const total = Math.exp(t[2 * state] ?? -Infinity) + Math.exp(t[2 * state + 1] ?? -Infinity);
        expect(total).toBeCloseTo(1, 5);
      }
    }
    for (const b of tables.senoneBase) expect(b).toBeGreaterThanOrEqual(0);
  });

  it('rejects a file of another format with ModelLoadError', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'am-'));
    try {
      await writeFile(join(dir, 'am.json.gz'), gzipSync(JSON.stringify({ format: 'other' })));
      await expect(loadAcousticTables(dir)).rejects.toBeInstanceOf(ModelLoadError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
