/**
 * Prints random sentences of a context as JSON lines, or its vocabulary.
 *
 *   npx tsx scripts/generate-sentences.ts --context smart_home --count 20 --seed 7
 *   npx tsx scripts/generate-sentences.ts --context coffee_maker --all-words
 *
 * `--context` takes a bare name (../shared/contexts/, then models/contexts/) or a path to a YAML file.
 * Each line is `{"text": ..., "intent": ..., "slots": {...}}`; with `--all-words`, one word per line.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ContextError, compileContext, generateSentences, loadContext } from '../src/context/index.ts';

const USAGE = 'usage: generate-sentences --context <name|path> [--count N] [--seed S] [--all-words]';

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        context: { type: 'string' },
        count: { type: 'string', default: '10' },
        seed: { type: 'string', default: '1' },
        'all-words': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (values.context === undefined || !Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
    process.stderr.write(`${USAGE}\n(--count is a non-negative integer, --seed an integer)\n`);
    return 2;
  }
  try {
    const spec = await loadContext(values.context, {
      dirs: [fileURLToPath(new URL('../../shared/contexts/', import.meta.url))],
    });
    const lines = values['all-words']
      ? compileContext(spec).words
      : generateSentences(spec, count, seed).map((s) => JSON.stringify(s));
    process.stdout.write(lines.map((line) => `${line}\n`).join(''));
    return 0;
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    process.stderr.write(`${error.code}: ${error.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
