import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SPHINX_FRONT_END } from '../../src/audio/sphinxMfcc.ts';
import { encodeWav } from '../../src/audio/wav.ts';

/**
 * scripts/make-sphinx-fe-fixture.py's sphinx_fe options (the CMU en-us front end; silence removal and dither
 * off), with noise removal on or off.
 */
export function sphinxFeArgs(removeNoise: boolean): string[] {
  return [
    ...['-mswav', 'yes', '-samprate', '16000', '-frate', '100', '-wlen', '0.025625', '-nfft', '512'],
    ...['-alpha', '0.97', '-lowerf', '130', '-upperf', '6800', '-nfilt', '25', '-ncep', '13'],
    ...['-transform', 'dct', '-lifter', '22', '-round_filters', 'yes', '-unit_area', 'yes'],
    ...['-remove_dc', 'no', '-remove_noise', removeNoise ? 'yes' : 'no', '-remove_silence', 'no'],
    ...['-dither', 'no'],
  ];
}

/** Whether Debian's sphinx_fe is installed (it exits non-zero without -i; only a missing binary counts). */
export const hasSphinxFe = (() => {
  try {
    execFileSync('sphinx_fe', ['-help', 'no'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

/** Reads a Sphinx .mfc file: an int32 count of floats, then float32s, in whichever byte order matches. */
export function readMfc(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = view.getInt32(0, true) * 4 + 4 === bytes.byteLength;
  const count = view.getInt32(0, little);
  expect(count * 4 + 4).toBe(bytes.byteLength);
  return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 + 4 * i, little));
}

/** Runs sphinx_fe over int16 samples and returns its cepstra. */
export function runSphinxFe(pcm16: Int16Array, removeNoise: boolean): Float32Array {
  const dir = mkdtempSync(join(tmpdir(), 'sphinx-fe-'));
  try {
    writeFileSync(join(dir, 'x.wav'), encodeWav(pcm16, SPHINX_FRONT_END.sampleRate));
    execFileSync(
      'sphinx_fe',
      ['-i', join(dir, 'x.wav'), '-o', join(dir, 'x.mfc'), ...sphinxFeArgs(removeNoise)],
      {
        stdio: 'ignore',
      },
    );
    return readMfc(new Uint8Array(readFileSync(join(dir, 'x.mfc'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
