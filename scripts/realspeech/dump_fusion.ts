/**
 * Training and evaluation data for a fusion model on the CMU path (issue 12): every file of the asked sets
 * goes through the server's own per-session graph (`inferFile`, nothing rejected) and, for the utterance it
 * answers with, this writes what a model that lets a candidate's phones attend to the audio would read:
 *
 * - the frames of the final pass: each frame's context-independent senone scores (3 states × each base phone
 *   of the model, natural log) less the frame's best of them, float32, appended to `<out>/<set>_<condition>.bin`;
 * - one JSON line per file in `<out>/<set>_<condition>.jsonl`: the file, its speaker, whether it is a command
 *   of the context, whether the answer (the best parse) is right, where its frames lie in the .bin, and the
 *   complete parses (one per intent reached, best first, at most `--candidates`): words, phones (the
 *   lexicon's first pronunciation, `|` between words), the decoder's score, the statistic's per-frame ratio,
 *   the words' frames, and whether that parse is the expected one (its words are the row's text).
 *
 *   npx tsx scripts/realspeech/dump_fusion.ts [--root work/real] --sets sc_tunehold,so_tunehold
 *       [--conditions clean,6,12,18,24] [--limit N] [--candidates 8] [--out work/fusion]
 *
 * Progress on stderr; at the end one JSON line on stdout per set×condition: files, frames, and how often the
 * words rule for "right" agrees with the evaluation's (`sameResult`) on the answer.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAcousticTables } from '../../src/asr/acousticTables.ts';
import { Lexicon, SenoneRecognizer, type SenoneFrames } from '../../src/asr/index.ts';
import { inferFile } from '../../src/cli/infer.ts';
import { Engine, type LoadedContext, createLogger, resolveRuntimeOptions } from '../../src/runtime/index.ts';
import { sameResult } from '../pocketsphinx/eval.ts';
import { findSets } from './sets.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: 'work/real' },
    sets: { type: 'string', default: 'sc_tunehold,so_tunehold' },
    conditions: { type: 'string', default: 'clean,6,12,18,24' },
    limit: { type: 'string', default: 'Infinity' },
    candidates: { type: 'string', default: '8' },
    out: { type: 'string', default: 'work/fusion' },
  },
});

const maxCandidates = Number(values.candidates);
const options = resolveRuntimeOptions({
  inferenceThreads: 'main',
  acousticModel: 'cmu',
  endpointing: { understand: { acceptThreshold: 0 } },
});
const tables = await loadAcousticTables(options.acousticModelDir);
const lexicon = await Lexicon.load();
/** The CI senones read per frame, phone by phone (3 each), in the model's phone order. */
const ciSenones = tables.phones.flatMap((p) => [...tables.ciSenonesOf(p)]);

/** Lower-case words without punctuation, as the grammar's words are. */
const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .trim()
    .split(/\s+/)
    .join(' ');

function phonesOf(words: readonly string[]): string {
  return words.map((w) => (lexicon.pronounce(w)?.[0] ?? ['?']).join(' ')).join(' | ');
}

/** The frames' CI senone scores, each frame less its best. */
function ciFrames(scores: SenoneFrames): Float32Array {
  const dim = ciSenones.length;
  const out = new Float32Array(scores.frames * dim);
  for (let t = 0; t < scores.frames; t++) {
    let best = -Infinity;
    for (let k = 0; k < dim; k++) {
      const v = scores.score(t, ciSenones[k] as number);
      out[t * dim + k] = v;
      if (v > best) best = v;
    }
    for (let k = 0; k < dim; k++) out[t * dim + k] = Math.max((out[t * dim + k] as number) - best, -50);
  }
  return out;
}

interface Candidate {
  words: string;
  phones: string;
  score: number;
  ratio: number | null;
  start: number | null;
  end: number | null;
}

/** The context with its recognizers watched: each utterance's final frames and parses. */
function watched(context: LoadedContext) {
  const seen: { frames: Float32Array | null; candidates: Candidate[] }[] = [];
  const recognizer = () => {
    const r = context.decoding.recognizer();
    if (!(r instanceof SenoneRecognizer)) throw new TypeError('dump_fusion.ts reads the CMU model only');
    let frames: Float32Array | null = null;
    r.onFinalScores = (scores) => {
      frames = ciFrames(scores);
    };
    const result = r.result.bind(r);
    r.result = () => {
      const out = result();
      seen.push({
        frames,
        candidates: out.hypotheses.slice(0, maxCandidates).map((h) => ({
          words: h.words.join(' '),
          phones: phonesOf(h.words),
          score: h.score,
          ratio: h.ratio ?? null,
          start: h.speech?.start ?? null,
          end: h.speech?.end ?? null,
        })),
      });
      frames = null;
      return out;
    };
    return r;
  };
  return { ...context, decoding: { ...context.decoding, recognizer }, seen };
}

const engine = await Engine.load(options, { log: createLogger('silent') });
const outDir = resolve(values.out as string);
await mkdir(outDir, { recursive: true });
try {
  const found = await findSets(
    resolve(values.root as string),
    (values.sets as string).split(','),
    (values.conditions as string).split(','),
    Number(values.limit),
    (folder) => process.stderr.write(`${JSON.stringify({ event: 'missing_set', folder })}\n`),
  );
  for (const set of found) {
    const name = `${set.set}_${set.condition}`;
    const bin = createWriteStream(join(outDir, `${name}.bin`));
    const lines: string[] = [];
    let offset = 0;
    let agree = 0;
    const context = watched(await engine.context(set.context));
    for (const [i, row] of set.rows.entries()) {
      context.seen.length = 0;
      const r = await inferFile(engine, context, join(set.folder, row.file));
      const utterance = context.seen.find((u) => u.candidates.length > 0) ?? context.seen[0] ?? null;
      const right = r.understood && sameResult({ intent: r.intent ?? '', slots: { ...r.slots } }, row);
      const want = row.intent === null ? null : normalise(row.text);
      const candidates = (utterance?.candidates ?? []).map((c) => ({ ...c, right: c.words === want }));
      if ((candidates[0]?.right ?? false) === right) agree++;
      const frames = utterance?.frames ?? null;
      const rows = frames ? frames.length / ciSenones.length : 0;
      if (frames) bin.write(Buffer.from(frames.buffer, frames.byteOffset, frames.byteLength));
      lines.push(
        JSON.stringify({
          file: row.file,
          speaker: row.speaker ?? null,
          inContext: row.intent !== null,
          text: row.text,
          right,
          offset,
          frames: rows,
          candidates,
        }),
      );
      offset += rows;
      if ((i + 1) % 100 === 0 || i + 1 === set.rows.length)
        process.stderr.write(
          `${JSON.stringify({ event: 'progress', set: name, done: i + 1, of: set.rows.length })}\n`,
        );
    }
    await new Promise<void>((done, fail) => bin.end((e?: Error | null) => (e ? fail(e) : done())));
    await writeFile(join(outDir, `${name}.jsonl`), lines.map((l) => `${l}\n`).join(''));
    await writeFile(
      join(outDir, 'README.json'),
      JSON.stringify({ dim: ciSenones.length, phones: tables.phones }, null, 1),
    );
    process.stdout.write(
      `${JSON.stringify({ set: name, files: set.rows.length, frames: offset, answer_rule_agrees: agree })}\n`,
    );
  }
} finally {
  await engine.close();
}
