/**
 * Denoises WAV files exactly as the noisy-utterance pass denoises an utterance (src/audio/rnnoise.ts
 * `denoiseWhole`: a fresh RNNoise stream, the whole audio once to warm it, then again), so that the CMU model can
 * be adapted on what that pass decodes (scripts/adapt_cmu_am.py --denoised-copies).
 *
 *   npx tsx scripts/realspeech/denoise-wavs.ts --list FILE [--part I --parts N]
 *
 * FILE: one `input.wav<TAB>output.wav` per line; inputs must be 16 kHz mono. `--part I --parts N` does lines
 * I, I+N, I+2N, … (0-based), for N processes side by side. An output that exists is skipped. Progress on stderr
 * (JSON lines); stdout: one JSON object {files, skipped, seconds_audio, seconds_wall}. Exit 1 on a bad file.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { RnnoiseDenoiser, denoiseWhole } from '../../src/audio/rnnoise.ts';
import { decodeWav, encodeWav } from '../../src/audio/wav.ts';

const sampleRate = 16000;
const { values } = parseArgs({
  options: {
    list: { type: 'string' },
    part: { type: 'string', default: '0' },
    parts: { type: 'string', default: '1' },
  },
});
if (!values.list) {
  process.stderr.write('usage: denoise-wavs.ts --list FILE [--part I --parts N]\n');
  process.exit(2);
}
const part = Number(values.part);
const parts = Number(values.parts);
const pairs = (await readFile(values.list, 'utf8'))
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => l.split('\t') as [string, string])
  .filter((_, i) => i % parts === part);

const denoiser = await RnnoiseDenoiser.load();
const t0 = performance.now();
let done = 0;
let skipped = 0;
let audio = 0;
for (const [input, output] of pairs) {
  if (existsSync(output)) {
    skipped++;
    continue;
  }
  const wav = decodeWav(new Uint8Array(await readFile(input)));
  const pcm = wav.channels[0];
  if (wav.sampleRate !== sampleRate || wav.channels.length !== 1 || !pcm) {
    process.stderr.write(
      `${input}: ${wav.sampleRate} Hz, ${wav.channels.length} channels; 16 kHz mono only\n`,
    );
    process.exit(1);
  }
  // As the pass decodes it: ~15 ms late and 30 ms longer than the input.
  const out = await denoiseWhole(denoiser, pcm, sampleRate);
  await writeFile(`${output}.tmp`, encodeWav(out, sampleRate));
  await rename(`${output}.tmp`, output);
  audio += pcm.length / sampleRate;
  if (++done % 500 === 0)
    process.stderr.write(`${JSON.stringify({ event: 'progress', part, done, of: pairs.length })}\n`);
}
process.stdout.write(
  `${JSON.stringify({ files: done, skipped, seconds_audio: Math.round(audio), seconds_wall: Math.round((performance.now() - t0) / 1000) })}\n`,
);
