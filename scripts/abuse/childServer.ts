import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Secret of the signed tokens every connection to the child server carries. */
const secret = 'abuse-secret-0123456789abcdef';
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The server, as a child process (`voxstream serve`), so that its memory and latency are its own. */
export class ChildServer {
  private constructor(
    readonly proc: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts `voxstream serve` on a free port of 127.0.0.1, with signed tokens and the idle timeout given. */
  static start(idleTimeoutMs: number): Promise<ChildServer> {
    const proc = spawn(
      process.execPath,
      [
        'bin/voxstream.js',
        'serve',
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--token-secret',
        secret,
        '--idle-timeout-ms',
        String(idleTimeoutMs),
        '--max-sessions-per-address',
        '1000',
        '--max-sessions',
        '1000',
        '--drain-ms',
        '5000',
        // The canary speaks a real recording (the default acoustic model is made for real speech) in its context.
        '--contexts',
        'test/fixtures/real-speech',
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return new Promise((resolve, reject) => {
      let text = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const m = /"msg":"listening","url":"ws:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
        if (m) {
          proc.stderr?.removeAllListeners('data');
          proc.stderr?.resume();
          resolve(new ChildServer(proc, Number(m[1])));
        }
      });
      proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${text.slice(-2000)}`)));
    });
  }

  /** Resident memory (MB) and threads, from /proc (Linux). */
  usage(): { rssMb: number; threads: number } {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return {
      rssMb: Math.round(kb / 102.4) / 10,
      threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? NaN),
    };
  }

  /** The WebSocket URL with a token for session id `sid` expiring at `exp` (Unix seconds, or anything else). */
  url(sid: string, exp = Math.floor(Date.now() / 1000) + 3600): string {
    // Signed by hand: signToken itself refuses an exp that is not whole seconds.
    const payload = Buffer.from(JSON.stringify({ sid, exp })).toString('base64url');
    const mac = createHmac('sha256', secret).update(payload).digest('base64url');
    return `ws://127.0.0.1:${this.port}/?token=${payload}.${mac}`;
  }

  /** The sum of a metric's series whose labels contain `labels`, from `GET /metrics`. */
  async metric(name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.port}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const [series, value] = line.split(' ');
      if (series === name || (series?.startsWith(`${name}{`) && series.includes(labels)))
        sum += Number(value);
    }
    return sum;
  }
}
