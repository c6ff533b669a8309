/**
 * Where a thread's time went, from a V8 CPU profile (`node --cpu-prof`): the functions with the most self
 * time, as JSON. Used to find what bounds the server's event loop under `voxstream bench` load
 * (docs/real-speech/capacity/README.md says how the profiles were made).
 *
 *   npx tsx scripts/cpuprofile-top.ts PROFILE.cpuprofile [--top 20]
 *
 * Prints one JSON object: the profile's wall time, the busy time (all but `(idle)`), and per function (name,
 * file, line) its self milliseconds and share of the wall time. A sampling profile measures wall time on the
 * thread: a native call that waits on the scheduler (a `postMessage` that wakes a busy worker) counts as its
 * own. Exit 2 on bad arguments.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '20' } },
  allowPositionals: true,
});
const top = Number(values.top);
const file = positionals[0];
if (!file || positionals.length > 1 || !(Number.isInteger(top) && top > 0)) {
  console.error('usage: npx tsx scripts/cpuprofile-top.ts PROFILE.cpuprofile [--top N]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<string, number>();
let wallUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  wallUs += dt;
  const frame = byId.get(id)?.callFrame;
  const key = frame
    ? `${frame.functionName || '(anonymous)'}\t${frame.url ? basename(frame.url) : ''}\t${frame.lineNumber}`
    : '(unknown)\t\t-1';
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
});
const idleUs = [...selfUs].filter(([k]) => k.startsWith('(idle)\t')).reduce((s, [, v]) => s + v, 0);
const functions = [...selfUs]
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)
  .map(([key, us]) => {
    const [name, source, line] = key.split('\t');
    return {
      function: name,
      file: source,
      line: Number(line),
      selfMs: Math.round(us / 1000),
      share: Number((us / wallUs).toFixed(4)),
    };
  });
console.log(
  JSON.stringify(
    {
      profile: basename(file),
      wallMs: Math.round(wallUs / 1000),
      busyMs: Math.round((wallUs - idleUs) / 1000),
      functions,
    },
    null,
    2,
  ),
);
