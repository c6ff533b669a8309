import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The utterance accounts a voxstream process logs as it closes (`"msg":"closed"`), or scrapes from /metrics. */
export interface Ledger {
  accepted: number;
  completed: number;
  errored: number;
  cancelled: number;
  abandoned: number;
  violations: number;
}

/** Whether `accepted` equals the sum of the outcomes and nothing was answered twice. */
export function balanced(l: Ledger): boolean {
  return l.accepted === l.completed + l.errored + l.cancelled + l.abandoned && l.violations === 0;
}

/** A free TCP port of 127.0.0.1 (bound, read and let go: a backend must come back on the same port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One life of a backend process: started, then drained (SIGTERM) or killed (SIGKILL). */
export interface Life {
  readonly pid: number;
  /** Its accounts from its closing log line; null when it was killed (or has not closed). */
  closed: Ledger | null;
  killed: boolean;
  exitCode: number | null;
}

/** A `voxstream serve` on a fixed loopback port, restartable on that port. */
export class Backend {
  readonly lives: Life[] = [];
  private proc: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly flags: readonly string[],
  ) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** Starts a new life; resolves once it listens (its models are loaded), rejects if it exits first. */
  start(): Promise<void> {
    const proc = spawn(
      process.execPath,
      ['bin/voxstream.js', 'serve', '--port', String(this.port), '--host', '127.0.0.1', ...this.flags],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.proc = proc;
    const life: Life = { pid: proc.pid as number, closed: null, killed: false, exitCode: null };
    this.lives.push(life);
    let text = '';
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code) => {
        life.exitCode = code;
        resolve();
      }),
    );
    return new Promise((resolve, reject) => {
      proc.stderr?.on('data', (chunk: Buffer) => {
        // Only the lines that matter are kept: listening, and the accounts at the close.
        text = (text + chunk.toString()).slice(-20_000);
        let nl: number;
        while ((nl = text.indexOf('\n')) >= 0) {
          const line = text.slice(0, nl);
          text = text.slice(nl + 1);
          if (line.includes('"msg":"listening"')) resolve();
          else if (line.includes('"msg":"closed"')) {
            const j = JSON.parse(line) as Record<string, number>;
            life.closed = {
              accepted: j['accepted'] ?? NaN,
              completed: j['completed'] ?? NaN,
              errored: j['errored'] ?? NaN,
              cancelled: j['cancelled'] ?? NaN,
              abandoned: j['abandoned'] ?? NaN,
              violations: j['violations'] ?? NaN,
            };
          }
        }
      });
      proc.once('exit', (code) =>
        reject(new Error(`${this.name} exited (${code}) before listening: ${text}`)),
      );
    });
  }

  /** Sends `signal` to the current life and resolves once it has exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const life = this.lives.at(-1);
    if (life && signal === 'SIGKILL') life.killed = true;
    this.proc?.kill(signal);
    await this.exited;
  }

  /** The sum of a metric's series (all labels, or those whose label text contains `labels`). */
  async metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      const [series, value] = line.split(' ');
      if (series === name || (series?.startsWith(`${name}{`) && series.includes(labels)))
        sum += Number(value);
    }
    return sum;
  }

  /** The current life's accounts, from /metrics. */
  async ledger(): Promise<Ledger> {
    const u = 'voxstream_utterances_total';
    return {
      accepted: await this.metric('voxstream_utterances_accepted_total'),
      completed: await this.metric(u, 'outcome="completed"'),
      errored: await this.metric(u, 'outcome="errored"'),
      cancelled: await this.metric(u, 'outcome="cancelled"'),
      abandoned: await this.metric(u, 'outcome="abandoned"'),
      violations: await this.metric('voxstream_accounting_violations_total'),
    };
  }
}

/** Whether Debian's `haproxy` (or any on PATH) can be run here. */
export function haproxyVersion(): string | null {
  const r = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '') : null;
}

/** HAProxy with deploy/haproxy/haproxy.cfg, its addresses given in the environment as that file says. */
export class Haproxy {
  private constructor(
    private readonly proc: ChildProcess,
    readonly port: number,
    private readonly statsSocket: string,
  ) {}

  static async start(port: number, backends: readonly Backend[], statsSocket: string): Promise<Haproxy> {
    const env = {
      ...process.env,
      VOX_FRONTEND: `127.0.0.1:${port}`,
      VOX_HAPROXY_STATS: statsSocket,
      ...Object.fromEntries(backends.map((b, i) => [`VOX_BACKEND_${i + 1}`, `127.0.0.1:${b.port}`])),
    };
    const proc = spawn('haproxy', ['-f', 'deploy/haproxy/haproxy.cfg', '-db'], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    const h = new Haproxy(proc, port, statsSocket);
    const t0 = performance.now();
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`haproxy exited (${proc.exitCode}): ${err}`);
      const up = await h.serversUp().catch(() => null);
      if (up !== null && up.length === backends.length) return h;
      if (performance.now() - t0 > 20_000) throw new Error(`haproxy: backends not up in 20 s: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/`;
  }

  /** A command on the admin socket, its answer. */
  command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = createConnection(this.statsSocket);
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
      s.end(`${line}\n`);
    });
  }

  /** The servers of the `voxstream` backend that HAProxy holds UP now. */
  async serversUp(): Promise<string[]> {
    const csv = await this.command('show stat');
    const [header, ...rows] = csv.split('\n');
    const cols = (header ?? '').replace(/^# /, '').split(',');
    const [px, sv, status] = ['pxname', 'svname', 'status'].map((c) => cols.indexOf(c)) as [
      number,
      number,
      number,
    ];
    return rows
      .map((r) => r.split(','))
      .filter(
        (r) => r[px] === 'voxstream' && r[sv] !== 'BACKEND' && r[sv] !== 'FRONTEND' && r[status] === 'UP',
      )
      .map((r) => r[sv] as string);
  }

  /** Waits until exactly `count` servers are UP (a restarted one back in rotation, a killed one out). */
  async waitUp(count: number, timeoutMs = 20_000): Promise<void> {
    const t0 = performance.now();
    while ((await this.serversUp()).length !== count) {
      if (performance.now() - t0 > timeoutMs)
        throw new Error(`haproxy: not ${count} servers up in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }
}
