import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts `voxstream serve` on a free port of 127.0.0.1 in a child process, with the session limits lifted
 * (a load generator opens many sessions from one address) and `extra` flags after them; resolves with its
 * URL once it listens, rejects with the end of its log when it exits first.
 */
export function startServer(extra: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  const bin = new URL('../../bin/voxstream.js', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [
      bin,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--max-sessions',
      '100000',
      '--max-sessions-per-address',
      '100000',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr?.on('data', (d: Buffer) => {
      // Only the start-up lines matter; a long run's log is not kept.
      if (log.length < 100_000) log += d.toString();
      const m = /"url":"ws:\/\/127\.0\.0\.1:(\d+)\/"/.exec(log);
      if (m) resolve({ child, url: `ws://127.0.0.1:${m[1]}/` });
    });
    child.once('exit', (code) =>
      reject(new Error(`server exited (${code}) before listening:\n${log.slice(-2000)}`)),
    );
  });
}
