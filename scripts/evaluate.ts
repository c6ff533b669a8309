/**
 * Evaluates voxstream on the held-out sets and prints the model-card table as JSON and Markdown.
 *
 *   npx tsx scripts/evaluate.ts [--eval work/eval] [--limit N] [--json-out results.json]
 *                               [--details per-file.jsonl] [--accept-threshold P] [--fusion on|none|PATH]
 *                               [--confidence ratio|fusion] [--acoustic-model cmu|ctc]
 *
 * Sets: work/eval/<context>_{clean,noise} and oog_{clean,noise} from scripts/build_evalset.py (voices held out
 * of training), FSDD speakers held out of training (theo, george) from ../shared/data/fsdd, and a
 * single-stream real-time factor. Everything runs through `inferFile`, the server's own graph.
 * `--parts real` (not in the default): the real-speech sets of scripts/build_realsets.py (work/real), ours and
 * pocketsphinx side by side; scripts/realspeech/evaluate.ts has the flags for a finer choice.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { GraphDecoder, dictationGraph } from '../src/asr/index.ts';
import { LogMelExtractor, decodeAudioFile, resample } from '../src/audio/index.ts';
import { type InferResult, inferFile } from '../src/cli/infer.ts';
import { fusionFlag } from '../src/cli/args.ts';
import { normalizeWords } from '../src/context/index.ts';
import { Engine, type LoadedContext, createLogger, resolveRuntimeOptions } from '../src/runtime/index.ts';
import { realPart } from './realspeech/evaluate.ts';

interface Row {
  file: string;
  intent: string | null;
  slots: Record<string, string>;
  snr_db?: number;
}

const { values } = parseArgs({
  options: {
    eval: { type: 'string', default: 'work/eval' },
    shared: { type: 'string', default: '../shared' },
    limit: { type: 'string' },
    'json-out': { type: 'string' },
    concurrency: { type: 'string', default: '2' },
    'wer-files': { type: 'string', default: '500' },
    parts: { type: 'string', default: 'commands,fsdd,wer,rtf' },
    details: { type: 'string' },
    'accept-threshold': { type: 'string' },
    fusion: { type: 'string' },
    confidence: { type: 'string' },
    'acoustic-model': { type: 'string', default: 'cmu' },
  },
});
const limit = values.limit ? Number(values.limit) : Infinity;
const parts = new Set((values.parts as string).split(','));

// With --accept-threshold 0 every complete parse is kept with its confidence: --details then lets a threshold
// be chosen afterwards (scripts/tune-threshold.ts), on a development set, never on the held-out one.
const acceptThreshold =
  values['accept-threshold'] === undefined ? undefined : Number(values['accept-threshold']);
const engine = await Engine.load(
  resolveRuntimeOptions({
    inferenceThreads: 'main', // as `voxstream infer` runs
    // coffee_maker lives beside the repository (development data, never a run-time path of the server).
    contextsDir: fileURLToPath(new URL('../../shared/contexts/', import.meta.url)),
    acousticModel: values['acoustic-model'] as 'cmu' | 'ctc',
    ...(values.fusion ? { fusionModelPath: fusionFlag(values.fusion) } : {}),
    endpointing: {
      understand: {
        ...(acceptThreshold !== undefined ? { acceptThreshold } : {}),
        ...(values.confidence ? { confidence: values.confidence as 'fusion' | 'ratio' } : {}),
      },
    },
  }),
  { log: createLogger('silent') },
);
const detailLines: string[] = [];
const detail = (set: string, context: string, expected: Row | null, r: InferResult | null) =>
  detailLines.push(
    JSON.stringify({
      set,
      context,
      file: expected?.file,
      expected: expected && expected.intent ? { intent: expected.intent, slots: expected.slots } : null,
      understood: r?.understood ?? false,
      intent: r?.intent ?? null,
      slots: r?.slots ?? {},
      confidence: r?.confidence ?? 0,
      transcript: r?.transcript ?? '',
      right:
        !!expected?.intent &&
        !!r?.understood &&
        r.intent === expected.intent &&
        same(r.slots, expected.slots),
    }),
  );

async function runAll(context: LoadedContext, files: string[]): Promise<(InferResult | null)[]> {
  const out: (InferResult | null)[] = new Array(files.length).fill(null);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      try {
        out[i] = await inferFile(engine, context, files[i] as string);
      } catch (error) {
        process.stderr.write(`${files[i]}: ${(error as Error).message}\n`);
      }
      if (++done % 100 === 0)
        process.stderr.write(
          `${JSON.stringify({ event: 'progress', context: context.name, done, of: files.length })}\n`,
        );
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
  return out;
}

function editDistance(a: readonly string[], b: readonly string[]): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length] as number;
}

const same = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

function manifest(set: string): Row[] {
  const path = join(values.eval as string, set, 'manifest.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row)
    .slice(0, limit);
}

const results: Record<string, unknown> = {};
const table: [string, string, string][] = [];

for (const name of parts.has('commands') ? ['coffee_maker', 'smart_home'] : []) {
  const context = await engine.context(name).catch(() => null);
  if (!context) continue;
  for (const kind of ['clean', 'noise']) {
    const rows = manifest(`${name}_${kind}`);
    if (rows.length === 0) continue;
    const res = await runAll(
      context,
      rows.map((r) => join(values.eval as string, `${name}_${kind}`, r.file)),
    );
    const ok = rows.map(
      (r, i) => !!res[i]?.understood && res[i]?.intent === r.intent && same(res[i]?.slots ?? {}, r.slots),
    );
    rows.forEach((r, i) => detail(`${name}_${kind}`, name, r, res[i] ?? null));
    const bySnr: Record<string, number> = {};
    if (kind === 'noise') {
      for (const snr of [...new Set(rows.map((r) => r.snr_db))]) {
        const idx = rows.map((r, i) => (r.snr_db === snr ? i : -1)).filter((i) => i >= 0);
        bySnr[`${snr}dB`] = idx.filter((i) => ok[i]).length / idx.length;
      }
    }
    const acceptance = ok.filter(Boolean).length / rows.length;
    results[`${name}_${kind}`] = { files: rows.length, acceptance, ...(kind === 'noise' ? { bySnr } : {}) };
    table.push([
      `command acceptance, ${name}, ${kind === 'clean' ? 'clean' : 'noise 6–24 dB (average)'}`,
      `${(acceptance * 100).toFixed(1)} %`,
      `${rows.length} files`,
    ]);
    process.stderr.write(`${JSON.stringify({ event: 'set', set: `${name}_${kind}`, acceptance })}\n`);
  }
  for (const kind of ['clean', 'noise']) {
    const rows = manifest(`oog_${kind}`);
    if (rows.length === 0) continue;
    const res = await runAll(
      context,
      rows.map((r) => join(values.eval as string, `oog_${kind}`, r.file)),
    );
    const falseAccept = res.filter((r) => r?.understood).length / rows.length;
    rows.forEach((r, i) => detail(`oog_${kind}`, name, { ...r, intent: null }, res[i] ?? null));
    results[`oog_${kind}_${name}`] = { files: rows.length, falseAccept };
    table.push([
      `false acceptance, out-of-context speech (SLURP test), ${name} context, ${kind}`,
      `${(falseAccept * 100).toFixed(1)} %`,
      `${rows.length} files`,
    ]);
  }
}

const fsddDir = join(values.shared as string, 'data', 'fsdd', 'recordings');
if (parts.has('fsdd') && existsSync(fsddDir)) {
  const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
  const files = readdirSync(fsddDir)
    .filter((f) => /_(theo|george)_/.test(f))
    .sort()
    .slice(0, limit);
  const context = await engine.context('digits');
  const res = await runAll(
    context,
    files.map((f) => join(fsddDir, f)),
  );
  const ok = files.filter(
    (f, i) => res[i]?.understood && res[i]?.slots['digit'] === digits[Number(f[0])],
  ).length;
  results['fsdd_heldout'] = {
    files: files.length,
    speakers: ['theo', 'george'],
    accuracy: ok / files.length,
  };
  table.push([
    'digit accuracy, FSDD speakers theo + george (held out)',
    `${((ok / files.length) * 100).toFixed(1)} %`,
    `${files.length} files`,
  ]);
}

// Word error rate on real read speech (speechocean762 test, 125 speakers never trained on): open transcription
// with a free word loop over the training texts' vocabulary (speechocean762 train, SLURP devel) and their
// unigram counts. No test transcript is used to build it.
const soDir = join(values.shared as string, 'data', 'speechocean762');
if (parts.has('wer') && !engine.asr) {
  process.stderr.write('wer: dictation runs on the CTC encoder only: add --acoustic-model ctc\n');
}
if (parts.has('wer') && engine.asr && existsSync(join(soDir, 'test', 'text'))) {
  const asr = engine.asr;
  const counts = new Map<string, number>();
  const words = (t: string) => normalizeWords(t);
  for (const line of readFileSync(join(soDir, 'train', 'text'), 'utf8')
    .trim()
    .split('\n')) {
    for (const w of words(line.split(/\s+/).slice(1).join(' '))) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  for (const line of readFileSync(join(values.shared as string, 'data', 'slurp', 'devel.jsonl'), 'utf8')
    .trim()
    .split('\n')) {
    for (const w of words(JSON.parse(line).sentence)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const tokenIds = new Map(asr.info.tokens.map((t, i) => [t, i]));
  const graph = dictationGraph(counts, engine.lexicon, tokenIds);
  const decoder = new GraphDecoder(graph, { beam: 12, maxActive: 2000 });
  const refs = readFileSync(join(soDir, 'test', 'text'), 'utf8')
    .trim()
    .split('\n')
    .slice(0, Math.min(limit, Number(values['wer-files'])));
  let errors = 0;
  let total = 0;
  let done = 0;
  const t0 = performance.now();
  for (const line of refs) {
    const [utt, ...ref] = line.split(/\s+/);
    const audio = decodeAudioFile(new Uint8Array(readFileSync(join(soDir, 'test', `${utt}.opus`))));
    const pcm = resample(audio.pcm, audio.sampleRate, 16000);
    const feats = new LogMelExtractor().push(pcm);
    const frames = feats.length / 80;
    const chunk = 16;
    const padded = new Float32Array(Math.ceil(frames / chunk) * chunk * 80).fill(Math.log(1e-10));
    padded.set(feats);
    const state = asr.createState();
    decoder.reset();
    for (let at = 0; at < padded.length; at += chunk * 80) {
      const [out] = await asr.run([padded.subarray(at, at + chunk * 80)], [state]);
      if (out) decoder.advance(out.logProbs, out.frames, asr.info.tokens.length);
    }
    const hyp = decoder.finals()[0]?.words ?? [];
    if (process.env['VX_DEBUG']) process.stderr.write(`${utt}: ${hyp.join(' ')} | ${ref.join(' ')}\n`);
    const refWords = words(ref.join(' '));
    errors += editDistance(hyp, refWords);
    total += refWords.length;
    if (++done % 100 === 0)
      process.stderr.write(
        `${JSON.stringify({ event: 'progress', set: 'speechocean762_test', done, of: refs.length, wer: errors / total })}\n`,
      );
  }
  results['speechocean762_test_wer'] = {
    files: refs.length,
    words: total,
    wer: errors / total,
    vocabulary: counts.size,
    seconds: (performance.now() - t0) / 1000,
  };
  table.push([
    'word error rate, speechocean762 test (real, 125 held-out speakers), free word loop',
    `${((errors / total) * 100).toFixed(1)} %`,
    `${refs.length} files`,
  ]);
}

// Real-time factor of one stream: files one at a time, nothing else running in the process.
if (parts.has('rtf')) {
  const context = await engine.context('smart_home');
  const rows = manifest('smart_home_clean').slice(0, 40);
  if (rows.length > 0) {
    let audioMs = 0;
    const t0 = performance.now();
    for (const r of rows)
      audioMs += (await inferFile(engine, context, join(values.eval as string, 'smart_home_clean', r.file)))
        .audioMs;
    const rtf = (performance.now() - t0) / audioMs;
    results['rtf_single_stream'] = { files: rows.length, audioSeconds: audioMs / 1000, rtf };
    table.push(['real-time factor of infer, one stream, this CPU', rtf.toFixed(4), `${rows.length} files`]);
  }
}

if (parts.has('real')) {
  const real = await realPart(engine, {
    limit,
    onDetail: (line) => detailLines.push(JSON.stringify(line)),
  });
  Object.assign(results, real.results);
  table.push(...real.table);
}

if (values.details) writeFileSync(values.details, detailLines.map((l) => `${l}\n`).join(''));
const json = JSON.stringify(results, null, 2);
if (values['json-out']) writeFileSync(values['json-out'], `${json}\n`);
process.stdout.write(
  `${json}\n\n| measure | value | n |\n| --- | --- | --- |\n${table.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`,
);
await engine.close();
