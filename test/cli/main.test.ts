import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

describe('voxstream main', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Runs main, returning its exit code and what it wrote. */
  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((t) => ((out += String(t)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((t) => ((err += String(t)), true));
    const code = await main(argv);
    vi.restoreAllMocks();
    return { code, out, err };
  }

  it('prints the usage for `<command> --help` instead of failing on the flag', async () => {
    for (const command of ['serve', 'infer', 'stream', 'mic', 'bench']) {
      const { code, out } = await run([command, '--help']);
      expect(code).toBe(0);
      expect(out).toContain('usage: voxstream <command>');
    }
  });

  it('names an unknown flag and exits 2, without a stack trace', async () => {
    const { code, err } = await run(['infer', '--bogus', 'x']);
    expect(code).toBe(2);
    expect(err).toContain("voxstream infer: Unknown option '--bogus'");
    expect(err).not.toContain('    at ');
  });
});
