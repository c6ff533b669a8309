/**
 * Wyoming dictation (`transcribe` with the model name `dictation`: a free word loop over the served contexts'
 * words, src/server/wyoming/dictation.ts) on real recordings, streamed as Home Assistant streams them: one connection
 * per recording, 20 ms chunks of 16 kHz PCM in real time, silence until `transcript` (or `--max-silence` ms),
 * then `audio-stop`. Reports word error rate (substitutions, deletions, insertions against the reference
 * words) and speech end → `transcript` percentiles (speech end: when the client sent the last chunk above
 * -50 dBFS, as in bench-wyoming.ts), with the default acoustic model (CMU).
 *
 *   npx tsx scripts/bench-dictation.ts --set fixtures|sc_report_clean|speechocean_clean [--limit 30]
 *       [--root ../shared-derived sets, default work/real] [--sentence-vocabulary] [--out result.json]
 *
 * Vocabulary: the shipped contexts and the set's own context (fixtures: goforward and cards; sc_*: the
 * Speech Commands context) are served, so the loop holds their words. `--sentence-vocabulary` serves instead
 * a context made of the sampled recordings' own sentences beside the shipped ones: a loop of a few hundred
 * words that holds every word said (speechocean762's whole sentence set would make a loop of 1,800 words, far
 * slower than real time). The server runs in this process on free ports; the sets under work/real are built
 * by scripts/build_realsets.py from ../shared; a missing one is an error here.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeAudioFile } from '../src/audio/index.ts';
import { summary } from '../src/bench/stats.ts';
import { startServers } from '../src/cli/serve.ts';
import { prepareAudio } from '../src/client/index.ts';
import { WyomingClient } from '../src/client/index.ts';
import type { WyomingServer } from '../src/server/wyoming/index.ts';

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'fixtures' },
    limit: { type: 'string', default: '30' },
    root: { type: 'string', default: 'work/real' },
    'sentence-vocabulary': { type: 'boolean', default: false },
    'max-silence': { type: 'string', default: '2500' },
    out: { type: 'string' },
  },
});
const set = values.set as string;
const limit = Number(values.limit);
const maxSilenceMs = Number(values['max-silence']);
const chunkMs = 20;
const format = { rate: 16000, width: 2, channels: 1 };
const silence = new Uint8Array((16000 * 2 * chunkMs) / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const fixtures = resolve('test/fixtures/real-speech');

/** The recordings and their reference words; the contexts to serve beside the shipped ones. */
function recordings(): { files: { path: string; text: string }[]; contexts: string[] } {
  if (set === 'fixtures') {
    // test/fixtures/real-speech/README.md says what each says.
    const texts: Record<string, string> = {
      goforward: 'go forward ten meters',
      'cards-001': 'ten of clubs',
      'cards-002': 'four queen of clubs',
      'cards-003': 'seven of clubs',
      'cards-004': 'five five',
    };
    const files = Object.entries(texts).map(([f, text]) => ({ path: join(fixtures, `${f}.wav`), text }));
    return { files, contexts: [join(fixtures, 'goforward.yaml'), join(fixtures, 'cards.yaml')] };
  }
  const dir = resolve(values.root as string, set);
  const rows = readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { file: string; text: string; intent: string | null })
    // In-context rows only: out-of-context clips (other words, noise) have no reference the loop could hold.
    .filter((r) => r.intent !== null && r.text !== '')
    .slice(0, limit);
  const contexts = set.startsWith('sc_')
    ? [resolve(values.root as string, 'contexts/speech_commands.yaml')]
    : [];
  return { files: rows.map((r) => ({ path: join(dir, r.file), text: r.text })), contexts };
}

/** Edit distance between word lists, split into substitutions, deletions and insertions. */
function wordErrors(ref: readonly string[], hyp: readonly string[]) {
  type Cell = { cost: number; s: number; d: number; i: number };
  let row: Cell[] = hyp.map((_, j) => ({ cost: j + 1, s: 0, d: 0, i: j + 1 }));
  row.unshift({ cost: 0, s: 0, d: 0, i: 0 });
  for (let r = 1; r <= ref.length; r++) {
    const next: Cell[] = [{ cost: r, s: 0, d: r, i: 0 }];
    for (let j = 1; j <= hyp.length; j++) {
      const diag = row[j - 1] as Cell;
      const up = row[j] as Cell;
      const left = next[j - 1] as Cell;
      const same = ref[r - 1] === hyp[j - 1];
      const options: Cell[] = [
        { ...diag, cost: diag.cost + (same ? 0 : 1), s: diag.s + (same ? 0 : 1) },
        { ...up, cost: up.cost + 1, d: up.d + 1 },
        { ...left, cost: left.cost + 1, i: left.i + 1 },
      ];
      next.push(options.reduce((a, b) => (b.cost < a.cost ? b : a)));
    }
    row = next;
  }
  return row[hyp.length] as Cell;
}

async function dictate(wyoming: WyomingServer, path: string) {
  const audio = prepareAudio(decodeAudioFile(new Uint8Array(readFileSync(path)), path), {
    encoding: 'pcm_s16le',
    sampleRate: 16000,
    trailingSilenceMs: 0,
  });
  const c = await WyomingClient.connect(wyoming.port);
  let at: number | null = null;
  let text = '';
  c.onEvent((e) => {
    if (e.type !== 'transcript' || at !== null) return;
    at = performance.now();
    text = String(e.data['text'] ?? '');
  });
  c.send('transcribe', { language: 'en', name: 'dictation' });
  c.send('audio-start', format);
  const start = performance.now();
  let speechEnd = start;
  let i = 0;
  for (; i < audio.chunks.length; i++) {
    await sleep(start + i * chunkMs - performance.now());
    c.send('audio-chunk', format, audio.chunks[i] as Uint8Array);
    if (i === audio.speechEndChunk) speechEnd = performance.now();
  }
  for (let s = 0; s * chunkMs < maxSilenceMs && at === null; s++, i++) {
    await sleep(start + i * chunkMs - performance.now());
    c.send('audio-chunk', format, silence);
  }
  const early = at !== null;
  c.send('audio-stop');
  await c.nextOf('transcript', 10_000).catch(() => null);
  c.close();
  return { text, ms: at === null ? null : (at as number) - speechEnd, early };
}

async function main(): Promise<void> {
  const { files, contexts } = recordings();
  const dir = mkdtempSync(join(tmpdir(), 'vx-dictation-'));
  for (const file of contexts) copyFileSync(file, join(dir, file.split('/').at(-1) as string));
  if (values['sentence-vocabulary']) {
    const lines = files.map((f, k) => `    s${k}:\n      - "${f.text}"`).join('\n');
    writeFileSync(join(dir, 'sentences.yaml'), `context:\n  expressions:\n${lines}\n`);
  }
  const { server, wyoming } = await startServers(
    { port: 0, host: '127.0.0.1', logLevel: 'silent', contextsDir: dir },
    { port: 0, host: '127.0.0.1', zeroconf: false },
  );
  try {
    const w = wyoming as WyomingServer;
    const c = await WyomingClient.connect(w.port);
    c.send('describe');
    const info = (await c.nextOf('info')).data as {
      asr: { models: { name: string; description: string }[] }[];
    };
    c.close();
    const description = info.asr[0]?.models.find((m) => m.name === 'dictation')?.description ?? '';
    // The first dictation request compiles the loop (in the compile worker): timed apart from the rest.
    const t0 = performance.now();
    const probe = await WyomingClient.connect(w.port);
    probe.send('transcribe', { language: 'en', name: 'dictation' });
    probe.send('audio-start', format);
    probe.send('audio-stop');
    await probe.nextOf('transcript', 120_000);
    probe.close();
    const firstRequestMs = Math.round(performance.now() - t0);
    const totals = { words: 0, s: 0, d: 0, i: 0, exact: 0 };
    const latencies: number[] = [];
    const rows = [];
    for (const [k, f] of files.entries()) {
      const got = await dictate(w, f.path);
      const ref = f.text.split(' ');
      const hyp = got.text.split(' ').filter(Boolean);
      const e = wordErrors(ref, hyp);
      totals.words += ref.length;
      totals.s += e.s;
      totals.d += e.d;
      totals.i += e.i;
      if (e.cost === 0) totals.exact++;
      if (got.ms !== null) latencies.push(got.ms);
      rows.push({ ref: f.text, hyp: got.text, ms: got.ms === null ? null : Math.round(got.ms) });
      process.stderr.write(`${k + 1}/${files.length} ${JSON.stringify(rows.at(-1))}\n`);
    }
    const errors = totals.s + totals.d + totals.i;
    const result = {
      set,
      recordings: files.length,
      vocabulary: Number(/the (\d+) words/.exec(description)?.[1] ?? NaN),
      sentenceVocabulary: values['sentence-vocabulary'],
      words: totals.words,
      wordErrorRate: Math.round((1000 * errors) / totals.words) / 1000,
      wordAccuracy: Math.round((1000 * (totals.words - errors)) / totals.words) / 1000,
      substitutions: totals.s,
      deletions: totals.d,
      insertions: totals.i,
      exactTranscripts: totals.exact,
      speechEndToTranscriptMs: summary(latencies),
      firstRequestMs,
      rows,
    };
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (values.out) writeFileSync(values.out, json);
    process.stdout.write(json);
  } finally {
    await wyoming?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
