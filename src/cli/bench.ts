import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { latencyChart } from '../bench/chart.ts';
import { openIdleSessions } from '../bench/idleSessions.ts';
import { type LevelResult, runLevel } from '../bench/loadGenerator.ts';
import { loadRecordings } from '../bench/recordings.ts';
import { startServer } from '../bench/server.ts';
import { recognitionArgs, recognitionFlags } from './args.ts';
import { gaugeValue, histogramTotals, summary } from '../bench/stats.ts';
import { commandPool, commandVoice } from '../bench/utterances.ts';
import { prepareAudio } from '../client/index.ts';
import { defaultRuntimeOptions } from '../runtime/index.ts';
import type { LoadOptions, Utterance } from '../bench/loadGenerator.ts';

const usage = `usage: voxstream bench [--url ws://host:port] [--sessions 5,10,25,50,100] [--duration 30] [--warmup 10] [--context smart_home|PATH]
                       [--recordings DIR [--limit 100]] [--budget 500] [--out bench.json] [--svg X.svg] [--token T]
                       [server flags when it starts one: --device cpu|webgpu|cuda|auto --max-batch N
                       --inference-threads worker|main --acoustic-model cmu|ctc --acoustic-model-dir DIR --frame-downsample N
                       --final-gaussians K --competitors N --denoise rnnoise|auto|off --remove-noise on|off
                       --noisy-pass-choice on|off --beams B,E --fusion on|none|PATH]
Devices say 24 commands of the context spoken by espeak-ng (${commandVoice.voice}), or with --recordings the first --limit
rows of a real-speech set's manifest.jsonl (scripts/build_realsets.py; give its context with --context PATH).
A context given as a path is the started server's default context (sessions name none); with --url, start that
server with the same --context. Before the first level, --warmup seconds at its session count (0: none) that count
for nothing but a line of their own: a fresh server answers slower at first. Capacity counts latency only: every
answered utterance, understood or not.
"right": the expected intent and slots came back understood (out-of-context recordings: not understood).`;

/** Context names a session's `start` may carry; anything else is a path, given to the server instead. */
const contextName = /^[\w-]+$/;

/** CPU seconds (user + system) and resident bytes of a process, from /proc. */
function procStats(pid: number): { cpuSec: number; rssBytes: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const ticks = Number(stat[11]) + Number(stat[12]);
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;
    return { cpuSec: ticks / 100, rssBytes: rss };
  } catch {
    return null;
  }
}

/**
 * `voxstream bench`: ramps concurrent real-time sessions and reports latency against load, finding the
 * largest number of sessions whose speech end → intent p95 stays within the budget.
 */
export async function benchCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      sessions: { type: 'string', default: '5,10,25,50,100' },
      duration: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '10' },
      context: { type: 'string', default: 'smart_home' },
      budget: { type: 'string', default: '500' },
      out: { type: 'string', default: 'bench.json' },
      // Default: the chart beside --out (X.json → X.svg), not in the current folder.
      svg: { type: 'string' },
      token: { type: 'string' },
      device: { type: 'string' },
      'max-batch': { type: 'string' },
      'inference-threads': { type: 'string' },
      ...recognitionFlags,
      recordings: { type: 'string' },
      limit: { type: 'string', default: '100' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const levels = (values.sessions as string).split(',').map(Number);
  if (levels.some((n) => !Number.isInteger(n) || n < 1)) {
    process.stderr.write(`voxstream bench: --sessions must be a list of positive integers\n${usage}\n`);
    return 2;
  }
  const budget = Number(values.budget);
  const extra = [
    ...(values.device ? ['--device', values.device] : []),
    ...(values['max-batch'] ? ['--max-batch', values['max-batch']] : []),
    ...(values['inference-threads'] ? ['--inference-threads', values['inference-threads']] : []),
    ...recognitionArgs(values),
  ];
  const contextArg = values.context as string;
  // A path cannot go in `start` (servers take names only): the server it starts loads it as its default.
  const sessionContext = contextName.test(contextArg) ? contextArg : undefined;
  if (sessionContext === undefined) extra.push('--context', contextArg);
  const warmupSec = Number(values.warmup);
  if (!(Number.isFinite(warmupSec) && warmupSec >= 0)) {
    process.stderr.write(`voxstream bench: --warmup must be seconds, 0 or more\n${usage}\n`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    process.stderr.write(`voxstream bench: --limit must be a positive integer\n${usage}\n`);
    return 2;
  }
  let started: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    started = values.url ? null : await startServer(extra);
  } catch (error) {
    // The server it starts refused a flag (its own message, with a code) or could not listen: say so, no stack.
    process.stderr.write(`voxstream bench: ${(error as Error).message.trim()}\n`);
    return 1;
  }
  const url = values.url ?? (started as { url: string }).url;
  // `ws://host:port` and `ws://host:port/` alike: /metrics is at the server's root.
  const metricsUrl = new URL('/metrics', url.replace(/^ws/, 'http'));
  const metrics = async () => (await fetch(metricsUrl)).text();
  process.stderr.write(
    `bench: server ${url}${started ? ` (pid ${started.child.pid})` : ''}; preparing ${values.recordings ? `recordings of ${values.recordings}` : '24 spoken commands'}…\n`,
  );
  const pool: Utterance[] = values.recordings
    ? (await loadRecordings(values.recordings, limit)).map((r) => ({
        audio: prepareAudio(r.audio, { encoding: 'pcm_s16le', sampleRate: 16000, trailingSilenceMs: 0 }),
        intent: r.intent,
        slots: r.slots,
      }))
    : await commandPool(contextArg, 24, 11);
  const results: Record<string, unknown>[] = [];
  let best = 0;
  // Memory is read from /proc, so only for a server this bench started (its pid is known).
  const pid = started?.child.pid;
  const rssMiB = () => {
    const p = pid ? procStats(pid) : null;
    return p ? Math.round((p.rssBytes / 2 ** 20) * 10) / 10 : null;
  };
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const heapMiB = async () => {
    const bytes = gaugeValue(await metrics(), 'voxstream_heap_used_bytes');
    return bytes === null ? null : Math.round((bytes / 2 ** 20) * 10) / 10;
  };
  let memory: Record<string, unknown> | null = null;
  let warmup: Record<string, unknown> | null = null;
  try {
    if (pid) {
      await settle(2000);
      const baselineMiB = rssMiB() as number;
      const baselineHeapMiB = await heapMiB();
      const idleCount = Math.max(...levels);
      process.stderr.write(`bench: memory: ${idleCount} idle sessions …\n`);
      const idle = await openIdleSessions(url, idleCount, {
        ...(sessionContext !== undefined ? { context: sessionContext } : {}),
        ...(values.token ? { token: values.token } : {}),
      });
      await settle(3000);
      const idleMiB = rssMiB() as number;
      const idleHeapMiB = await heapMiB();
      await idle.close();
      await settle(3000);
      memory = {
        // Resident memory keeps its high-water mark (V8 and the allocator keep freed pages), so whether
        // sessions give their memory back shows in the heap in use.
        baselineMiB,
        baselineHeapMiB,
        idle: {
          sessions: idle.opened,
          rssMiB: idleMiB,
          heapMiB: idleHeapMiB,
          perSessionKiB: Math.round(((idleMiB - baselineMiB) * 1024) / Math.max(1, idle.opened)),
          heapPerSessionKiB:
            idleHeapMiB !== null && baselineHeapMiB !== null
              ? Math.round(((idleHeapMiB - baselineHeapMiB) * 1024) / Math.max(1, idle.opened))
              : null,
          afterCloseMiB: rssMiB(),
          afterCloseHeapMiB: await heapMiB(),
        },
      };
    }
    const load: LoadOptions = {
      url,
      ...(sessionContext !== undefined ? { context: sessionContext } : {}),
      ...(values.token ? { token: values.token } : {}),
      pauseMs: [1000, 2500],
      answerTimeoutMs: 5000,
    };
    // A fresh server's first seconds under load are slower (measured 2026-12-02, three 20 s levels of 75
    // sessions one after another on real clips: p95 1,160, then 460 and 554 ms), which would charge a start-up
    // cost to whichever level comes first.
    if (warmupSec > 0) {
      const n = levels[0] as number;
      process.stderr.write(`bench: warm-up: ${n} sessions for ${warmupSec} s, not counted …\n`);
      const w = await runLevel(n, warmupSec * 1000, pool, load);
      warmup = {
        sessions: n,
        seconds: warmupSec,
        connected: w.connected,
        utterances: w.records.length,
        speechEndToIntentMs: summary(w.records.map((x) => x.intentMs)),
        partialLagMs: summary(w.partialLags),
      };
      process.stderr.write(`${JSON.stringify({ event: 'warmup', ...warmup })}\n`);
    }
    for (const n of levels) {
      // Each level's memory against the server just before it, the previous level's sessions closed: the heap
      // in use at its lowest over a second (between collections), and resident memory then. Against the
      // start-up baseline instead, whatever start-up left for the collector made these negative.
      let startHeapMiB: number | null = null;
      for (let i = 0; i < 5; i++) {
        const h = await heapMiB();
        if (h !== null) startHeapMiB = startHeapMiB === null ? h : Math.min(startHeapMiB, h);
        await settle(200);
      }
      const startRssMiB = pid ? rssMiB() : null;
      const m0 = await metrics();
      const p0 = started ? procStats(started.child.pid as number) : null;
      const t0 = performance.now();
      process.stderr.write(`bench: ${n} sessions for ${values.duration} s …\n`);
      let peakMiB = 0;
      let peakHeapMiB = 0;
      const sampler = setInterval(() => {
        peakMiB = Math.max(peakMiB, rssMiB() ?? 0);
        void heapMiB()
          .then((h) => (peakHeapMiB = Math.max(peakHeapMiB, h ?? 0)))
          .catch(() => {});
      }, 1000);
      const r: LevelResult = await runLevel(n, Number(values.duration) * 1000, pool, load).finally(() =>
        clearInterval(sampler),
      );
      const seconds = (performance.now() - t0) / 1000;
      const p1 = started ? procStats(started.child.pid as number) : null;
      const m1 = await metrics();
      const asr0 = histogramTotals(m0, 'voxstream_batch_size', 'model="asr"');
      const asr1 = histogramTotals(m1, 'voxstream_batch_size', 'model="asr"');
      const vad0 = histogramTotals(m0, 'voxstream_batch_size', 'model="vad"');
      const vad1 = histogramTotals(m1, 'voxstream_batch_size', 'model="vad"');
      const intent = r.records.map((x) => x.intentMs);
      const level = {
        sessions: n,
        connected: r.connected,
        utterances: r.records.length,
        right: r.records.filter((x) => x.verdict === 'right').length,
        wrong: r.records.filter((x) => x.verdict === 'wrong').length,
        notUnderstood: r.records.filter((x) => x.verdict === 'notUnderstood').length,
        lost: r.lost,
        unheard: r.unheard,
        missed: r.missed,
        errors: r.errors,
        speechEndToIntentMs: summary(intent),
        speechEndToFirstAudioMs: summary(r.records.map((x) => x.firstAudioMs ?? NaN)),
        partialLagMs: summary(r.partialLags),
        overBudgetShare: intent.length ? intent.filter((ms) => ms > budget).length / intent.length : null,
        server:
          p0 && p1
            ? {
                cpuCores: Math.round(((p1.cpuSec - p0.cpuSec) / seconds) * 100) / 100,
                peakRssMiB: peakMiB,
                // Resident memory keeps its high-water mark, so after a larger level this is near 0; and the
                // system may take pages back during a level (RSS below its start): null then, not a negative.
                activeKiBPerSession:
                  startRssMiB !== null && r.connected > 0 && peakMiB >= startRssMiB
                    ? Math.round(((peakMiB - startRssMiB) * 1024) / r.connected)
                    : null,
                rssAfterCloseMiB: Math.round(p1.rssBytes / 2 ** 20),
                peakHeapMiB,
                // An upper bound: the peak in use includes garbage not yet collected.
                activeHeapKiBPerSession:
                  startHeapMiB !== null && r.connected > 0
                    ? Math.round(((peakHeapMiB - startHeapMiB) * 1024) / r.connected)
                    : null,
              }
            : null,
        meanBatch: {
          asr:
            asr1.count > asr0.count
              ? Math.round(((asr1.sum - asr0.sum) / (asr1.count - asr0.count)) * 10) / 10
              : null,
          vad:
            vad1.count > vad0.count
              ? Math.round(((vad1.sum - vad0.sum) / (vad1.count - vad0.count)) * 10) / 10
              : null,
        },
        generator: { cpuCores: Math.round(r.generatorCpu * 100) / 100, maxClockLagMs: r.generatorMaxLagMs },
      };
      results.push(level);
      const p95 = level.speechEndToIntentMs.p95;
      const within = r.connected === n && r.lost === 0 && p95 !== null && p95 <= budget;
      if (within) best = Math.max(best, n);
      process.stderr.write(`${JSON.stringify({ event: 'level', ...level, withinBudget: within })}\n`);
    }
    if (memory) {
      await settle(5000);
      memory['afterAllLevelsMiB'] = rssMiB();
      memory['afterAllLevelsHeapMiB'] = await heapMiB();
    }
  } finally {
    started?.child.kill('SIGTERM');
  }
  const report = {
    url: values.url ?? 'started by bench',
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    context: values.context,
    // With --url, whatever that server was started with.
    acousticModel: values['acoustic-model'] ?? (values.url ? null : defaultRuntimeOptions.acousticModel),
    utterances: values.recordings
      ? { recordings: values.recordings, files: pool.length }
      : { synthesized: `espeak-ng ${commandVoice.voice}`, commands: pool.length },
    rightCounts:
      'the expected intent and slots understood (out-of-context recordings: not understood); capacity counts latency only, over every answered utterance',
    budgetMs: budget,
    levelSeconds: Number(values.duration),
    // Run before the levels at the first level's count; not in maxSessionsWithinBudget.
    warmup,
    maxSessionsWithinBudget: best,
    memory,
    levels: results,
  };
  writeFileSync(values.out as string, `${JSON.stringify(report, null, 2)}\n`);
  const svg = values.svg ?? `${(values.out as string).replace(/\.json$/i, '')}.svg`;
  const points = results.map((l) => ({
    sessions: l['sessions'] as number,
    ...(l['speechEndToIntentMs'] as { p50: number | null; p95: number | null }),
  }));
  writeFileSync(
    svg,
    latencyChart(points, budget, `voxstream: speech end → intent vs load (${cpus().length} CPUs)`),
  );
  process.stdout.write(`${JSON.stringify({ maxSessionsWithinBudget: best, out: values.out, svg })}\n`);
  return 0;
}
