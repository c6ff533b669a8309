/**
 * Where to gate the noisy-utterance pass (`denoise: 'auto'`, src/asr/noisyUtterance.ts `NoisyUtterancePass`),
 * measured on TUNING sets before it was built: two `tune.ts --details` runs over the same files, one with
 * nothing denoised and one with RNNoise in front of everything (`--denoise rnnoise`), are joined file by file:
 * below a gate (the level, dB, of the undenoised run's best parse, `SenoneRecognizer.level`) a file takes the
 * denoised run's evidence, above it the other's. Each joined file goes through `tune.ts --from-details`, whose
 * rule chooses the floor and threshold; one JSON line per gate with what it chose.
 *
 *   npx tsx scripts/realspeech/noisy-gate.ts --raw RAW.jsonl --denoised RN.jsonl [--gates 0,10,15,20,25,30,100]
 *       [--target-fa 0.05] [--out-dir DIR]
 *
 * The pass as built denoises each noisy utterance on its own at its end, not the whole stream, so it gains
 * less than this join says (docs/real-speech/noisy-pass/README.md has both).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    raw: { type: 'string' },
    denoised: { type: 'string' },
    gates: { type: 'string', default: '0,10,15,20,25,30,100' },
    'target-fa': { type: 'string', default: '0.05' },
    'out-dir': { type: 'string' },
  },
});
if (!values.raw || !values.denoised) {
  process.stderr.write(
    'usage: noisy-gate.ts --raw RAW.jsonl --denoised RN.jsonl [--gates …] [--target-fa F]\n',
  );
  process.exit(2);
}

interface Point {
  set: string;
  condition: string;
  file: string;
  level: number | null;
}
const read = (path: string): Point[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Point);
const key = (p: Point) => `${p.set}\t${p.condition}\t${p.file}`;
const raw = read(values.raw);
const denoised = new Map(read(values.denoised).map((p) => [key(p), p]));
const dir = values['out-dir'] ?? mkdtempSync(join(tmpdir(), 'noisy-gate-'));

for (const gate of (values.gates as string).split(',').map(Number)) {
  const joined: Point[] = [];
  let switched = 0;
  for (const p of raw) {
    const d = denoised.get(key(p));
    if (!d) continue; // only files both runs decoded
    const noisy = p.level !== null && p.level < gate;
    if (noisy) switched++;
    joined.push(noisy ? d : p);
  }
  const file = join(dir, `gate-${gate}.jsonl`);
  writeFileSync(file, joined.map((p) => `${JSON.stringify(p)}\n`).join(''));
  const out = execFileSync(
    process.execPath,
    [
      ...process.execArgv,
      new URL('./tune.ts', import.meta.url).pathname,
      '--from-details',
      file,
      '--target-fa',
      values['target-fa'] as string,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const chosen = (JSON.parse(out) as { without_noise_allowance: Record<string, unknown> })
    .without_noise_allowance;
  process.stdout.write(
    `${JSON.stringify({ gate_db: gate, files: joined.length, denoised: switched, chosen })}\n`,
  );
}
