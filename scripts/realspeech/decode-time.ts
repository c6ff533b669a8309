/**
 * How long the grammar search takes, and whether a change to it changed any answer: decodes the first N files
 * of a real-speech set folder (scripts/build_realsets.py's layout: WAVs and manifest.jsonl, e.g.
 * work/real/so_tunehold_clean) one after another, as `voxstream infer` does (one session per file, the models
 * on the event loop), and sums the decisive utterance's `decode` stage over them: the time the CMU path spends
 * in its grammar search, phone loop and senone mixture, live pass and final pass together, without the
 * acoustic model's runs. Used for docs/real-speech/capacity/ (last section).
 *
 *   npx tsx scripts/realspeech/decode-time.ts --set DIR --context NAME|PATH [--limit 30] [--answers FILE]
 *       [the recognition flags of `voxstream infer`: --beams B,E, --denoise …]
 *
 * stdout: one JSON object (files, audio seconds, wall ms, decode ms, decode ms per second of audio).
 * `--answers FILE`: one JSON line per file (intent, slots, transcript, confidence), to compare two trees'
 * answers file for file (`cmp`). Exit 0; 1 when the set folder is missing; 2 on bad flags.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { recognitionFlags, recognitionOptions } from '../../src/cli/args.ts';
import { inferFile } from '../../src/cli/infer.ts';
import { Engine, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';

const USAGE =
  'usage: npx tsx scripts/realspeech/decode-time.ts --set DIR --context NAME|PATH [--limit 30] [--answers FILE]\n' +
  '       [--beams B,E] [--denoise auto|rnnoise|off] [other recognition flags of voxstream infer]';

let values;
try {
  ({ values } = parseArgs({
    options: {
      set: { type: 'string' },
      context: { type: 'string' },
      limit: { type: 'string', default: '30' },
      answers: { type: 'string' },
      help: { type: 'boolean', default: false },
      ...recognitionFlags,
    },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const limit = Number(values.limit);
if (!values.set || !values.context || !(Number.isInteger(limit) && limit > 0)) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
let options;
try {
  options = resolveRuntimeOptions({
    defaultContext: values.context,
    inferenceThreads: 'main',
    ...recognitionOptions(values),
  });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
let files: string[];
try {
  files = (await readdir(values.set))
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .slice(0, limit);
} catch (error) {
  process.stderr.write(
    `${(error as Error).message}\n(build the sets: /usr/bin/python3 scripts/build_realsets.py)\n`,
  );
  process.exit(1);
}

const engine = await Engine.load(options, { log: createLogger('silent') });
const context = await engine.context(values.context);
const answers: string[] = [];
let decodeMs = 0;
let audioMs = 0;
const t0 = performance.now();
for (const [i, file] of files.entries()) {
  const r = await inferFile(engine, context, join(values.set, file));
  decodeMs += r.stages['decode'] ?? 0;
  audioMs += r.audioMs;
  const { intent, slots, transcript, confidence, understood } = r;
  answers.push(JSON.stringify({ file, understood, intent, slots, transcript, confidence }));
  process.stderr.write(`\r${i + 1}/${files.length}`);
}
const wallMs = performance.now() - t0;
process.stderr.write('\n');
await engine.close();
if (values.answers) await writeFile(values.answers, answers.map((a) => `${a}\n`).join(''));
const round = (x: number) => Math.round(x * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    set: values.set,
    context: values.context,
    files: files.length,
    audioSeconds: round(audioMs / 1000),
    wallMs: Math.round(wallMs),
    decodeMs: Math.round(decodeMs),
    decodeMsPerAudioSecond: round(decodeMs / (audioMs / 1000)),
  })}\n`,
);
