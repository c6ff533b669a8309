import { readFile } from 'node:fs/promises';
import { type AcousticTables, loadAcousticTables } from '../../src/asr/acousticTables.ts';
import { SenoneMixture } from '../../src/asr/senoneMixture.ts';
import { GaussianSelector } from '../../src/inference/gaussianSelector.ts';

const modelDir = new URL('../../models/am-en-us/', import.meta.url);
const fixtureDir = new URL('../fixtures/am-en-us/', import.meta.url);

/** The committed fixture's real-speech features ([frames, 39] row-major; test/fixtures/am-en-us/feats.bin). */
export async function fixtureFeats(): Promise<Float32Array> {
  const bytes = await readFile(new URL('feats.bin', fixtureDir));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/**
 * CMU's model as the CPU path scores it: its tables, the Gaussian selection (release it when done) and the
 * senone mixture over it, with the fixture's features.
 */
export async function cmuMixture(): Promise<{
  feats: Float32Array;
  tables: AcousticTables;
  selector: GaussianSelector;
  mixture: SenoneMixture;
}> {
  const [feats, tables, mixw, selector] = await Promise.all([
    fixtureFeats(),
    loadAcousticTables(),
    readFile(new URL('mixw.bin', modelDir)),
    GaussianSelector.load(),
  ]);
  const { streams, codebooks } = selector.shape;
  const mixture = new SenoneMixture(new Uint8Array(mixw), tables.senoneBase, streams, codebooks, 128);
  return { feats, tables, selector, mixture };
}
