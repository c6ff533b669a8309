/**
 * Prints a context as a JSGF grammar for PocketSphinx, and lists on stderr the words its dictionary lacks.
 *
 *   npx tsx scripts/pocketsphinx/context-to-jsgf.ts --context coffee_maker > coffee_maker.gram
 *   npx tsx scripts/pocketsphinx/context-to-jsgf.ts --context smart_home --extra-dict extra.dict > sh.gram
 *
 * `--context` takes a bare name (models/contexts/, then ../shared/contexts/) or a YAML path. `--dict` is the
 * dictionary to check against (default Debian's cmudict-en-us.dict). Words it lacks are reported as one JSON
 * line on stderr; those that split into two dictionary words get a guessed pronunciation, which
 * `--extra-dict FILE` writes as dictionary lines (concatenate it with the main dictionary for `-dict`).
 * `--factor` merges expressions with a common beginning (same language, much smaller search graph).
 * Exit code 0, or 3 when some word has no pronunciation at all (the grammar is printed anyway).
 */
import { writeFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { ContextError, loadContext } from '../../src/context/index.ts';
import { DEBIAN_DICT, checkWords, dictionaryLines, readDictionary } from './dictionary.ts';
import { contextToJsgf, contextWords } from './jsgf.ts';

const USAGE =
  'usage: context-to-jsgf --context <name|path> [--dict FILE] [--extra-dict OUT] [--name GRAMMAR_NAME] [--factor]';

/** Runs the CLI; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        context: { type: 'string' },
        dict: { type: 'string', default: DEBIAN_DICT },
        'extra-dict': { type: 'string' },
        name: { type: 'string' },
        factor: { type: 'boolean', default: false },
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
  if (values.context === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const spec = await loadContext(values.context);
    const name = values.name ?? basename(values.context, extname(values.context));
    const check = checkWords(contextWords(spec), await readDictionary(values.dict));
    if (check.guessed.size > 0 || check.missing.length > 0) {
      const report = {
        event: 'missing_words',
        dict: values.dict,
        guessed: Object.fromEntries(check.guessed),
      };
      process.stderr.write(`${JSON.stringify({ ...report, missing: check.missing })}\n`);
    }
    if (values['extra-dict'] !== undefined) {
      await writeFile(values['extra-dict'], dictionaryLines(check.guessed));
    }
    process.stdout.write(contextToJsgf(spec, { name, factor: values.factor }));
    return check.missing.length > 0 ? 3 : 0;
  } catch (error) {
    if (!(error instanceof ContextError)) throw error;
    process.stderr.write(`${error.code}: ${error.message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
