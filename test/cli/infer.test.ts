import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shippedCompetitors } from '../../src/asr/index.ts';
import { encodeWav } from '../../src/audio/index.ts';
import { inferCommand } from '../../src/cli/infer.ts';
import { closeSpeech, speech } from '../helpers/speech.ts';

/**
 * Runs `voxstream infer` in process and returns what it printed on stdout, one parsed JSON object a line, and
 * on stderr; `stdin` is what `-` reads, `tty` makes stderr a terminal.
 */
async function infer(
  args: string[],
  { stdin = '', tty = false } = {},
): Promise<{ code: number; lines: Record<string, unknown>[]; err: string }> {
  let out = '';
  let err = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const stderr = {
    isTTY: tty,
    write: (text: string) => {
      err += text;
      return true;
    },
  };
  try {
    const code = await inferCommand(args, { stdin: Readable.from([stdin]), stderr });
    return {
      err,
      code,
      lines: out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    };
  } finally {
    write.mockRestore();
    quiet.mockRestore();
  }
}

describe('voxstream infer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vx-infer-'));
    const { pcm, sampleRate } = await speech('set a timer for five minutes');
    writeFileSync(join(dir, 'short.wav'), encodeWav(pcm, sampleRate));
    // Longer than the live queues' 8 s backstop: a file arrives all at once and must still be understood.
    const long = new Float32Array(pcm.length + sampleRate * 10);
    long.set(pcm);
    for (let i = pcm.length; i < long.length; i++) long[i] = ((i * 7919) % 200) / 2e6;
    writeFileSync(join(dir, 'long.wav'), encodeWav(long, sampleRate));
    writeFileSync(join(dir, 'broken.wav'), 'RIFF not really');
  }, 60_000);
  afterAll(async () => {
    await closeSpeech();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints one JSON line per file, with an error line for a bad file and the rest still run', async () => {
    const files = ['short.wav', 'broken.wav', 'long.wav'].map((f) => join(dir, f));
    const { code, lines } = await infer([
      '--acoustic-model',
      'ctc',
      '--context',
      'smart_home',
      '--json',
      '--concurrency',
      '1',
      ...files,
    ]);
    expect(code).toBe(0);
    expect(lines).toHaveLength(3);
    const byFile = new Map(lines.map((l) => [l.file, l]));
    for (const f of ['short.wav', 'long.wav'])
      expect(byFile.get(join(dir, f))).toMatchObject({
        understood: true,
        intent: 'setTimer',
        slots: { duration: 'five minutes' },
      });
    expect(byFile.get(join(dir, 'short.wav'))).toHaveProperty('stages');
    expect(byFile.get(join(dir, 'broken.wav'))).toMatchObject({ error: { code: expect.any(String) } });
  }, 120_000);

  it('runs the fusion model as a second pass with --fusion on, and reports its stage time', async () => {
    const file = join(dir, 'short.wav');
    const expected = {
      understood: true,
      intent: 'setTimer',
      slots: { duration: 'five minutes' },
      transcript: 'set a timer for five minutes',
    };
    const plain = await infer(['--acoustic-model', 'ctc', '--context', 'smart_home', '--json', file]);
    const fused = await infer(['--context', 'smart_home', '--json', '--fusion', 'on', file]);
    expect(plain.lines[0]).toMatchObject(expected);
    expect(fused.lines[0]).toMatchObject(expected);
    expect((fused.lines[0]?.['stages'] as Record<string, number>)['fusion']).toBeGreaterThan(0);
  }, 120_000);

  it('takes directories (their audio files, recursively) and - (paths on stdin), with progress on a terminal', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'deeper', 'deepest'), { recursive: true });
    const silence = encodeWav(new Float32Array(3200), 16000);
    for (const f of ['a.wav', 'deeper/b.WAV', 'deeper/deepest/c.wav'])
      writeFileSync(join(folder, f), silence);
    writeFileSync(join(folder, 'deeper', 'notes.txt'), 'not audio');
    const short = join(dir, 'short.wav');
    const { code, lines, err } = await infer(
      ['--acoustic-model', 'ctc', '--context', 'smart_home', '--json', folder, '-'],
      { stdin: `${short}\n\n${short}\n`, tty: true },
    );
    expect(code).toBe(0);
    expect(lines.map((l) => l['file']).sort()).toEqual(
      [
        join(folder, 'a.wav'),
        join(folder, 'deeper/b.WAV'),
        join(folder, 'deeper/deepest/c.wav'),
        short,
        short,
      ].sort(),
    );
    expect(lines.filter((l) => l['file'] === short)).toMatchObject([
      { intent: 'setTimer' },
      { intent: 'setTimer' },
    ]);
    expect(err).toContain('5/5 files, 0 failed');
    expect(JSON.parse(err.slice(err.lastIndexOf('{')))).toMatchObject({ files: 5, failures: 0 });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect((await infer(['--context', 'smart_home', empty])).code).toBe(1);
  }, 120_000);

  it('runs 450 files named on the command line as a child process (a long command line used to crash it)', async () => {
    // Repeated paths through a long folder name: 450 arguments of ~150 characters, past the ~27 kB of command
    // line at which onnxruntime's telemetry overflowed the stack.
    const folder = join(dir, 'x'.repeat(120));
    mkdirSync(folder);
    const file = join(folder, 'silence.wav');
    writeFileSync(file, encodeWav(new Float32Array(1600), 16000));
    const env = { ...process.env };
    delete env['ORT_DISABLE_TELEMETRY'];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/voxstream.js', 'infer', '--context', 'smart_home', '--json', ...Array<string>(450).fill(file)],
      { env, maxBuffer: 16 << 20 },
    );
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(450);
    expect(JSON.parse(lines[449] as string)).toMatchObject({ file, understood: false });
  }, 180_000);

  it('with --competitors, a common word said near a command is not understood and the command still is', async () => {
    const words = join(dir, 'competitors');
    mkdirSync(words, { recursive: true });
    const context = join(words, 'switch.yaml');
    writeFileSync(
      context,
      'context:\n  expressions:\n    on:\n      - "on"\n      - "turn on the lights"\n    off:\n      - "off"\n',
    );
    const files = [];
    for (const text of ['one', 'turn on the lights']) {
      const { pcm, sampleRate } = await speech(text);
      files.push(join(words, `${text.replaceAll(' ', '-')}.wav`));
      writeFileSync(files.at(-1) as string, encodeWav(pcm, sampleRate));
    }
    const { code, lines } = await infer(['--context', context, '--json', '--competitors', '100', ...files]);
    expect(code).toBe(0);
    // Heard as one of the first 100 common words (they hold "one"), where without them only "on" could fit.
    // (espeak-ng's short "on" itself is not what the CMU model hears best; a command of four words is.)
    expect(lines[0]).toMatchObject({ understood: false, intent: null });
    expect(shippedCompetitors(100)).toContain(lines[0]?.['transcript']);
    expect(lines[1]).toMatchObject({ understood: true, intent: 'on', transcript: 'turn on the lights' });
  }, 120_000);

  it('names a flag whose value it cannot take and exits 2, without a stack trace', async () => {
    const file = join(dir, 'short.wav');
    for (const [flag, value, message] of [
      ['--noisy-pass-choice', 'maybe', '--noisy-pass-choice must be on or off, got maybe'],
      ['--remove-noise', 'yes', '--remove-noise must be on or off, got yes'],
      ['--beams', '150', '--beams must be two numbers'],
    ] as const) {
      const { code, err, lines } = await infer(['--context', 'digits', flag, value, file]);
      expect(code).toBe(2);
      expect(err).toContain(`voxstream infer: ${message}`);
      expect(err).not.toContain('    at ');
      expect(lines).toEqual([]);
    }
  });

  it('explains its usage when the context or files are missing', async () => {
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await inferCommand(['--json'])).toBe(2);
    } finally {
      quiet.mockRestore();
    }
  });
});
