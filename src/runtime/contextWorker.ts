/**
 * Worker-thread entry of {@link ContextCompiler}: loads a context, adds a session's slot values and compiles it
 * (the word graph, and the CMU model's triphone HMM graph), so that compiling, which takes tens to hundreds of
 * ms, never blocks the server's event loop. The HMM graph's typed arrays are transferred, not copied.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { Lexicon, compileHmmGraph, withCompetitors } from '../asr/index.ts';
import { wordLoopGraph, wordLoopHmmOptions } from '../asr/wordLoop.ts';
import { loadAcousticTables } from '../asr/acousticTables.ts';
import { compileContext, loadContext, withSlotValues } from '../context/index.ts';
import { serveRpc } from '../threads/index.ts';
import type { CompileRequest, CompileWorkerData, Compiled } from './contextCompiler.ts';

const data = workerData as CompileWorkerData;
lowerPriority();
const [lexicon, tables] = await Promise.all([
  data.cmuModelDir === null ? null : Lexicon.load(),
  data.cmuModelDir === null ? null : loadAcousticTables(data.cmuModelDir),
]);

serveRpc<CompileRequest, Compiled>(undefined, {
  async handle(request) {
    const loop = request.words ?? null;
    let graph;
    if (loop !== null) graph = wordLoopGraph(loop);
    else {
      let spec = await loadContext(request.name, { dirs: data.dirs });
      if (request.slots && Object.keys(request.slots).length > 0)
        spec = withSlotValues(spec, request.slots, request.mode, data.slotLimits);
      graph = compileContext(spec);
    }
    if (lexicon === null || tables === null) return { graph, hmm: null };
    if (loop === null && data.competitors.length > 0)
      graph = withCompetitors(graph, data.competitors, lexicon);
    const options = loop !== null ? wordLoopHmmOptions : {};
    const { context: _context, ...hmm } = compileHmmGraph(graph, lexicon, tables, options);
    return { graph, hmm };
  },
  transfer: ({ hmm }) =>
    Object.values(hmm ?? {}).flatMap((v) => (ArrayBuffer.isView(v) ? [v.buffer as ArrayBuffer] : [])),
});

/**
 * Runs this thread at the lowest priority where the system allows it (Linux: /proc/thread-self names the
 * thread, and setpriority takes a thread id), so that compiling, which can take seconds when many sessions
 * bring their own slot values, takes only the CPU the sessions' audio, VAD and recognition leave over.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // Elsewhere it runs at the process's priority.
  }
}
