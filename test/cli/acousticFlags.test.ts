import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acousticFlags,
  fusionAcousticModel,
  recognitionArgs,
  recognitionOptions,
} from '../../src/cli/args.ts';

describe('acousticFlags', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vx-flags-'));
    await writeFile(join(dir, 'cmu.json'), JSON.stringify({ format: 'voxstream-fusion-cmu-1' }));
    await writeFile(join(dir, 'ctc.json'), JSON.stringify({ format: 'voxstream-fusion-2' }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("selects the acoustic model a fusion model was trained on, from its .json's format", () => {
    expect(fusionAcousticModel(join(dir, 'cmu.onnx'))).toBe('cmu');
    expect(fusionAcousticModel(join(dir, 'ctc.onnx'))).toBe('ctc');
    expect(acousticFlags(undefined, undefined, join(dir, 'cmu.onnx'))).toEqual({ acousticModel: 'cmu' });
    expect(acousticFlags(undefined, undefined, join(dir, 'ctc.onnx'))).toEqual({ acousticModel: 'ctc' });
  });

  it('leaves an unreadable fusion model to the engine (which names it) and keeps a named model', () => {
    expect(fusionAcousticModel(join(dir, 'missing.onnx'))).toBe('ctc');
    expect(acousticFlags('ctc', 'm', join(dir, 'cmu.onnx'))).toEqual({
      acousticModel: 'ctc',
      acousticModelDir: 'm',
    });
    expect(acousticFlags(undefined, undefined, 'none')).toEqual({});
    expect(acousticFlags(undefined, undefined, undefined)).toEqual({});
  });
});

describe('recognition flags', () => {
  it('become runtime options, and arguments again for the server bench starts', () => {
    const values = {
      'acoustic-model': 'cmu',
      denoise: 'auto',
      'noisy-pass-choice': 'on',
      beams: '120,100',
      competitors: '0',
    };
    expect(recognitionOptions(values)).toEqual({
      acousticModel: 'cmu',
      denoise: 'auto',
      noisyPassChoice: true,
      searchBeams: [120, 100],
      competitors: 0,
    });
    expect(recognitionArgs(values)).toEqual([
      '--acoustic-model',
      'cmu',
      '--denoise',
      'auto',
      '--noisy-pass-choice',
      'on',
      '--beams',
      '120,100',
      '--competitors',
      '0',
    ]);
    expect(recognitionOptions({})).toEqual({});
    expect(() => recognitionOptions({ 'remove-noise': 'yes' })).toThrow(
      /--remove-noise must be on or off, got yes/,
    );
  });
});
