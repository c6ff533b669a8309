import { describe, expect, it } from 'vitest';
import { ArgsError, formatUsage, parseArgs } from '../../src/cli/args.ts';

const spec = {
  usage: 'voxstream stream <file> [options]',
  flags: {
    url: { type: 'string', valueName: 'ws-url', description: 'server URL' },
    json: { type: 'boolean', description: 'JSON lines' },
    'save-reply': { type: 'string', description: 'reply WAV' },
    help: { type: 'boolean', description: 'help' },
  },
  positionals: { names: ['file'], required: 1 },
} as const;

function error(argv: string[]): string {
  try {
    parseArgs(argv, spec);
  } catch (e) {
    expect(e).toBeInstanceOf(ArgsError);
    expect((e as ArgsError).code).toBe('VX_BAD_ARGS');
    return (e as Error).message;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  it('reads flags with spaced or = values, switches and positionals in any order', () => {
    const parsed = parseArgs(['--json', 'a.wav', '--url', 'ws://h:1', '--save-reply=o.wav'], spec);
    expect(parsed.flags).toEqual({ json: true, url: 'ws://h:1', 'save-reply': 'o.wav' });
    expect(parsed.positionals).toEqual(['a.wav']);
    expect(parseArgs(['--', '--json'], spec)).toEqual({ flags: {}, positionals: ['--json'] });
    expect(parseArgs(['-'], spec).positionals).toEqual(['-']);
    expect(parseArgs(['--url', '-5', 'f'], spec).flags.url).toBe('-5');
  });

  it('lets --help or -h through without the positionals', () => {
    expect(parseArgs(['--help'], spec).flags.help).toBe(true);
    expect(parseArgs(['-h'], spec).flags.help).toBe(true);
  });

  it('says exactly what is wrong', () => {
    expect(error(['a.wav', '--jsn'])).toBe('unknown option --jsn (did you mean --json?)');
    expect(error(['a.wav', '--bogus-thing'])).toBe('unknown option --bogus-thing');
    expect(error(['a.wav', '-x'])).toBe('unknown option -x (options are written --name)');
    expect(error(['a.wav', '--url'])).toBe('--url needs a value (ws-url)');
    expect(error(['a.wav', '--url', '--json'])).toBe('--url needs a value (ws-url), got --json');
    expect(error(['a.wav', '--url='])).toBe('--url needs a non-empty value');
    expect(error(['a.wav', '--json=yes'])).toBe('--json takes no value, got "yes"');
    expect(error(['a.wav', '--json', '--json'])).toBe('--json given twice');
    expect(error([])).toBe('missing <file>');
    expect(error(['a.wav', 'b.wav'])).toBe('unexpected argument "b.wav"');
  });

  it('formats the usage with one aligned line per flag', () => {
    expect(formatUsage(spec).split('\n')).toEqual([
      'usage: voxstream stream <file> [options]',
      '',
      '  --url <ws-url>        server URL',
      '  --json                JSON lines',
      '  --save-reply <value>  reply WAV',
      '  --help                help',
    ]);
  });
});
