/**
 * Cluster test: the reference deployment of deploy/haproxy (HAProxy, WebSocket-aware, leastconn, health checks
 * on /readyz, X-Forwarded-For to backends that trust it) in front of three `voxstream serve` processes on
 * loopback ports, all real processes:
 *
 *   1. X-Forwarded-For: sessions through the proxy count against the client's own address (each backend allows
 *      `--max-sessions-per-address 4`; a client address is refused with 429 past 4 per backend, another is not);
 *   2. `voxstream bench --url` through HAProxy (sessions spread: per-backend counts) and, in the same run, every
 *      backend directly at once at the same per-process load: latency percentiles side by side;
 *   3. a rolling restart under load: every backend in turn drained (SIGTERM) and started again while speakers on
 *      the client library's FailoverClient talk through the proxy. The utterance ledger across all process lives
 *      must balance: nothing lost or answered twice, the clients' answers equal to the processes' completed ones;
 *   4. SIGKILL of one backend mid-utterance: its clients learn within a second and move; the others' latency.
 *
 *   npx tsx scripts/cluster-test.ts [--speakers 6] [--bench-seconds 12] [--out cluster.json]
 *
 * JSON report on stdout (and in --out); exit 1 when a check fails, 0 with a message when haproxy is missing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { Utterance } from '../src/bench/loadGenerator.ts';
import { commandPool } from '../src/bench/utterances.ts';
import { type Ledger, Backend, Haproxy, balanced, freePort, haproxyVersion } from './cluster/processes.ts';
import { Crowd, Speaker, type SpeakerReport } from './cluster/speakers.ts';

/** Settings of {@link runClusterTest}. */
export interface ClusterOptions {
  /** Simulated devices talking through the proxy during the restart and the kill. */
  speakers: number;
  /** Sessions of the bench through the proxy (the direct run gets this divided by the backends). */
  benchSessions: number;
  benchSeconds: number;
  /** Each backend's --drain-ms. */
  drainMs: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export const defaultClusterOptions: ClusterOptions = {
  speakers: 6,
  benchSessions: 6,
  benchSeconds: 10,
  drainMs: 8000,
};

const root = fileURLToPath(new URL('../', import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const perAddress = 4;
type Json = Record<string, unknown>;

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

/** Opens a bare WebSocket from `localAddress` (no `start`): 101, or the status the upgrade was refused with. */
function upgrade(url: string, localAddress: string): Promise<{ status: number; ws: WebSocket }> {
  const ws = new WebSocket(url, { localAddress });
  return new Promise((resolve) => {
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
    ws.on('error', () => resolve({ status: 0, ws }));
  });
}

/** `voxstream bench --url` in a child process; its report. */
function bench(url: string, sessions: number, seconds: number, out: string): Promise<Json> {
  const args = ['bin/voxstream.js', 'bench', '--url', url, '--sessions', String(sessions)];
  // No warm-up of bench's own: this script warms the backends up once, through the proxy, before its benches.
  args.push('--duration', String(seconds), '--warmup', '0', '--out', out, '--svg', `${out}.svg`);
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench exited ${code}: ${err}`));
      const level = (JSON.parse(readFileSync(out, 'utf8')) as { levels: Json[] }).levels[0] as Json;
      resolve(level);
    }),
  );
}

/** Sessions each backend has had, from its `voxstream_sessions_total` (all endings). */
async function sessionCounts(backends: readonly Backend[]): Promise<number[]> {
  return Promise.all(backends.map((b) => b.metric('voxstream_sessions_total')));
}

/** The client side of the ledger over many speakers. */
function clientLedger(reports: readonly SpeakerReport[]): Record<string, number> {
  const sum = (k: keyof SpeakerReport) => reports.reduce((n, r) => n + (r[k] as number), 0);
  return {
    said: sum('said'),
    answered: sum('answered'),
    answeredTwice: sum('answeredTwice'),
    lost: sum('lost'),
    answeredAndLost: sum('answeredAndLost'),
    unanswered: sum('unanswered'),
    failovers: reports.reduce((n, r) => n + r.failovers.length, 0),
  };
}

function minus(a: Ledger, b: Ledger): Ledger {
  return {
    accepted: a.accepted - b.accepted,
    completed: a.completed - b.completed,
    errored: a.errored - b.errored,
    cancelled: a.cancelled - b.cancelled,
    abandoned: a.abandoned - b.abandoned,
    violations: a.violations - b.violations,
  };
}

const zero: Ledger = { accepted: 0, completed: 0, errored: 0, cancelled: 0, abandoned: 0, violations: 0 };

/** Runs the whole test; never throws for what it finds (that goes in `failures`). */
export async function runClusterTest(options: Partial<ClusterOptions> = {}): Promise<Json> {
  const o = { ...defaultClusterOptions, ...options };
  const log = o.log ?? (() => undefined);
  const t0 = performance.now();
  const failures: string[] = [];
  const report: Json = { haproxy: haproxyVersion() };
  const dir = mkdtempSync(join(tmpdir(), 'vox-cluster-'));
  const flags = ['--trust-proxy', '127.0.0.1', '--max-sessions-per-address', String(perAddress)];
  // The commands are spoken by espeak-ng: the CTC model is the one made for that voice. Logs stay on: each
  // process's accounts are its last line.
  // One reply voice: each offered voice is checked at start-up, and a restart's time is the model loading.
  flags.push('--drain-ms', String(o.drainMs), '--acoustic-model', 'ctc', '--voices', 'en-us');
  const backends = await Promise.all(
    [1, 2, 3].map(async (i) => new Backend(`vox${i}`, await freePort(), flags)),
  );
  let proxy: Haproxy | null = null;
  try {
    await Promise.all(backends.map((b) => b.start()));
    proxy = await Haproxy.start(await freePort(), backends, join(dir, 'haproxy.sock'));
    const pool: Utterance[] = await commandPool('smart_home', 12, 15);
    const pick = () => pool[Math.floor(Math.random() * pool.length)] as Utterance;
    log(`up: 3 backends behind haproxy in ${Math.round(performance.now() - t0)} ms`);

    // 1. X-Forwarded-For reaches backends that trust the proxy: the per-address limit counts each client.
    const first: { status: number; ws: WebSocket }[] = [];
    for (let i = 0; i < perAddress * 3 + 1; i++) first.push(await upgrade(proxy.url, '127.0.2.1'));
    const second: { status: number; ws: WebSocket }[] = [];
    for (let i = 0; i < perAddress * 3; i++) second.push(await upgrade(proxy.url, '127.0.2.2'));
    const xff = {
      firstAddressOpened: first.filter((r) => r.status === 101).length,
      firstAddressRefused: first.filter((r) => r.status !== 101).map((r) => r.status),
      secondAddressOpened: second.filter((r) => r.status === 101).length,
    };
    for (const r of [...first, ...second]) r.ws.terminate();
    report['xForwardedFor'] = xff;
    if (
      xff.firstAddressOpened !== perAddress * 3 ||
      xff.firstAddressRefused.join() !== '429' ||
      xff.secondAddressOpened !== perAddress * 3
    )
      failures.push(`X-Forwarded-For: ${JSON.stringify(xff)}`);
    log(JSON.stringify({ case: 'xForwardedFor', ...xff }));
    await sleep(500);

    // 2. bench through HAProxy, then the backends directly at the same per-process load; first a short bench
    // through HAProxy that is not counted, so that no run pays for a fresh process's first model runs.
    await bench(proxy.url, o.benchSessions, 3, join(dir, 'bench-warmup.json'));
    const before = await sessionCounts(backends);
    const viaProxy = await bench(proxy.url, o.benchSessions, o.benchSeconds, join(dir, 'bench-proxy.json'));
    const after = await sessionCounts(backends);
    const perProcess = Math.max(1, Math.round(o.benchSessions / backends.length));
    // Directly, every backend at once: the same load per process and on the machine as through the proxy (the
    // three processes share this machine's cores), so that what differs is the proxy.
    const direct = await Promise.all(
      backends.map((b) => bench(b.url, perProcess, o.benchSeconds, join(dir, `bench-direct-${b.name}.json`))),
    );
    const pick2 = (l: Json) => ({
      sessions: l['sessions'],
      connected: l['connected'],
      utterances: l['utterances'],
      lost: l['lost'],
      speechEndToIntentMs: l['speechEndToIntentMs'],
    });
    report['bench'] = {
      perBackendSessions: after.map((n, i) => n - (before[i] as number)),
      viaHaproxy: pick2(viaProxy),
      directEachBackendAtOnce: direct.map(pick2),
    };
    if (viaProxy['connected'] !== o.benchSessions || (viaProxy['lost'] as number) > 0)
      failures.push(`bench through haproxy: ${JSON.stringify(report['bench'])}`);
    if (after.some((n, i) => n - (before[i] as number) === 0))
      failures.push(`bench: a backend got no session: ${JSON.stringify(report['bench'])}`);
    log(JSON.stringify({ case: 'bench', ...(report['bench'] as Json) }));

    // 3. Rolling restart under load.
    const baseline = new Map<number, Ledger>();
    for (const b of backends) baseline.set(b.lives.at(-1)!.pid, await b.ledger());
    const crowd = new Crowd(
      await Promise.all(
        Array.from({ length: o.speakers }, () => Speaker.start(proxy!.url, pick, [1000, 2000])),
      ),
    );
    crowd.run();
    await sleep(3000);
    const restarts: Json[] = [];
    for (const b of backends) {
      const t = performance.now();
      await b.stop('SIGTERM');
      const drainedMs = Math.round(performance.now() - t);
      await b.start();
      await proxy.waitUp(3);
      restarts.push({ backend: b.name, drainedMs, backInRotationMs: Math.round(performance.now() - t) });
      log(JSON.stringify({ case: 'restart', ...restarts.at(-1) }));
      await sleep(500);
    }
    await sleep(1000);
    const rolling = await crowd.finish();
    // Every life's accounts over the phase: drained ones from their closing line, the new ones from /metrics.
    const lives: Json[] = [];
    let completed = 0;
    for (const b of backends) {
      for (const life of b.lives) {
        const base = baseline.get(life.pid) ?? zero;
        const now = life === b.lives.at(-1) ? await b.ledger() : life.closed;
        if (now === null) {
          failures.push(`rolling restart: ${b.name} pid ${life.pid} logged no accounts`);
          continue;
        }
        const phase = minus(now, base);
        completed += phase.completed;
        lives.push({
          backend: b.name,
          pid: life.pid,
          exit: life.exitCode,
          ...phase,
          balanced: balanced(now),
        });
        if (!balanced(now)) failures.push(`rolling restart: ${b.name} pid ${life.pid} does not balance`);
      }
    }
    const clients = clientLedger(rolling);
    const intents = rolling.reduce((n, r) => n + r.answered + r.answeredTwice, 0);
    report['rollingRestart'] = {
      restarts,
      clients,
      intentsReceived: intents,
      completedByProcesses: completed,
      lives,
      moves: rolling.flatMap((r) => r.failovers.map((f) => f.closeCode)),
      closeCodes: rolling.map((r) => r.closeCode),
      errors: rolling.flatMap((r) => r.errors),
    };
    if (
      clients['lost'] !== 0 ||
      clients['answeredTwice'] !== 0 ||
      clients['answeredAndLost'] !== 0 ||
      clients['unanswered'] !== 0 ||
      intents !== completed ||
      rolling.some((r) => r.closeCode !== 1000 || r.errors.length > 0) ||
      rolling.some((r) => r.failovers.some((f) => f.connection === null))
    )
      failures.push(`rolling restart: ${JSON.stringify(report['rollingRestart'])}`);
    log(JSON.stringify({ case: 'rollingRestart', ...clients, intents, completed }));

    // 4. SIGKILL of one backend while it has an utterance open.
    const kill = new Crowd(
      await Promise.all(
        Array.from({ length: o.speakers }, () => Speaker.start(proxy!.url, pick, [1000, 2000])),
      ),
    );
    kill.run();
    // Long enough before and after for a few answers each side of the kill.
    await sleep(5000);
    let victim: Backend | null = null;
    for (let i = 0; i < 200 && victim === null; i++) {
      for (const b of backends) {
        const l = await b.ledger();
        if (l.accepted > l.completed + l.errored + l.cancelled + l.abandoned) {
          victim = b;
          break;
        }
      }
      if (victim === null) await sleep(20);
    }
    victim ??= backends[1] as Backend;
    const killedAt = performance.now();
    await victim.stop('SIGKILL');
    await proxy.waitUp(2);
    await sleep(5000);
    const killed = await kill.finish();
    const moved = killed.flatMap((r) => r.failovers.filter((f) => f.closedAt >= killedAt));
    const affected = new Set(killed.filter((r) => r.failovers.some((f) => f.closedAt >= killedAt)));
    const others = kill.speakers.filter((_, i) => !affected.has(killed[i] as SpeakerReport));
    const othersBefore = others.flatMap((s) => s.latencies.filter((l) => l.at < killedAt).map((l) => l.ms));
    const othersAfter = others.flatMap((s) => s.latencies.filter((l) => l.at >= killedAt).map((l) => l.ms));
    const survivors: Json[] = [];
    for (const b of backends.filter((x) => x !== victim)) {
      const l = await b.ledger();
      survivors.push({ backend: b.name, ...l, balanced: balanced(l) });
      if (!balanced(l)) failures.push(`sigkill: ${b.name} does not balance`);
    }
    const killClients = clientLedger(killed);
    report['sigkill'] = {
      victim: victim.name,
      movedSessions: moved.length,
      detectedWithinMs: moved.map((f) => Math.round(f.closedAt - killedAt)),
      moveCodes: moved.map((f) => f.closeCode),
      resentMs: moved.map((f) => f.resentMs),
      clients: killClients,
      othersIntentMs: {
        before: {
          n: othersBefore.length,
          p50: percentile(othersBefore, 50),
          p95: percentile(othersBefore, 95),
        },
        after: { n: othersAfter.length, p50: percentile(othersAfter, 50), p95: percentile(othersAfter, 95) },
      },
      survivors,
      errors: killed.flatMap((r) => r.errors),
    };
    const p95Before = percentile(othersBefore, 95);
    const p95After = percentile(othersAfter, 95);
    if (
      moved.length === 0 ||
      moved.some((f) => f.connection === null || f.closedAt - killedAt > 1000) ||
      killClients['answeredTwice'] !== 0 ||
      killClients['answeredAndLost'] !== 0 ||
      killClients['unanswered'] !== 0 ||
      killed.some((r) => r.closeCode !== 1000) ||
      // Loose on purpose (a shared machine): a step of more than 500 ms in the others' p95 is a failure.
      (p95Before !== null && p95After !== null && p95After > p95Before + 500)
    )
      failures.push(`sigkill: ${JSON.stringify(report['sigkill'])}`);
    log(JSON.stringify({ case: 'sigkill', victim: victim.name, moved: moved.length, ...killClients }));
  } catch (error) {
    failures.push(`run failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    await proxy?.stop();
    await Promise.all(backends.map((b) => b.stop('SIGTERM').catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
  report['durationSec'] = Math.round((performance.now() - t0) / 100) / 10;
  return { ok: failures.length === 0, failures, ...report };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      speakers: { type: 'string' },
      'bench-seconds': { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (haproxyVersion() === null) {
    process.stdout.write(
      `${JSON.stringify({ ok: true, skipped: 'haproxy is not installed (apt-get install haproxy)' })}\n`,
    );
    process.exit(0);
  }
  const result = await runClusterTest({
    ...(values.speakers ? { speakers: Number(values.speakers) } : {}),
    ...(values['bench-seconds'] ? { benchSeconds: Number(values['bench-seconds']) } : {}),
    log: (line) => void process.stderr.write(`${line}\n`),
  });
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (values.out) writeFileSync(values.out, text);
  process.stdout.write(text);
  process.exit(result['ok'] ? 0 : 1);
}
