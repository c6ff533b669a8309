import { describe, expect, it } from 'vitest';
import { WorkerRpc, WorkerRpcError } from '../../src/threads/index.ts';
import type { FixtureRequest } from './rpcFixtureWorker.ts';

const entry = new URL('./rpcFixtureWorker.ts', import.meta.url);
const start = (data: object = {}) =>
  WorkerRpc.start<FixtureRequest, unknown, { pid: string }>(entry, data, { name: 'the fixture worker' });

describe('WorkerRpc', () => {
  it('answers each call with its own result, in any order, and passes on what the worker says when ready', async () => {
    const rpc = start();
    try {
      // Asked before the worker is ready: held until it is.
      const slow = rpc.call({ op: 'echo', value: 'slow', ms: 50 });
      const fast = rpc.call({ op: 'echo', value: { n: 1 } });
      expect(rpc.pending).toBe(2);
      expect(await rpc.ready).toEqual({ pid: 'fixture' });
      expect(await fast).toEqual({ n: 1 });
      expect(await slow).toBe('slow');
      expect(rpc.pending).toBe(0);
      await expect(rpc.call({ op: 'echo', value: () => 1 })).rejects.toThrow(/could not be cloned/);
      expect(rpc.pending).toBe(0);
      const data = Float32Array.of(1, 2, 3);
      const doubled = await rpc.call({ op: 'double', data }, { transfer: [data.buffer] });
      expect(Array.from(doubled as Float32Array)).toEqual([2, 4, 6]);
      // Transferred, not copied: the buffer left this thread.
      expect(data.length).toBe(0);
    } finally {
      await rpc.terminate();
    }
  });

  it('rejects a refused call with the error rebuilt, its code and fields kept, and goes on answering', async () => {
    const rpc = start();
    try {
      const refused = await rpc
        .call({ op: 'refuse', message: 'no', code: 'VX_NOPE' })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      expect(refused).toMatchObject({ message: 'no', code: 'VX_NOPE' });
      const rebuilt = WorkerRpc.start<FixtureRequest, unknown>(
        entry,
        {},
        {
          name: 'the fixture worker',
          rebuild: (e) => Object.assign(new RangeError(e.message), { line: e['line'] }),
        },
      );
      try {
        const e = await rebuilt.call({ op: 'refuse', message: 'no', code: 'X' }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(RangeError);
        expect(e).toMatchObject({ line: 7 });
      } finally {
        await rebuilt.terminate();
      }
      expect(await rpc.call({ op: 'echo', value: 2 })).toBe(2);
    } finally {
      await rpc.terminate();
    }
  });

  it('rejects every waiting and later call with VX_WORKER_FAILED when the worker throws, and VX_WORKER_EXITED when it exits', async () => {
    const crashing = start();
    const waiting = expect(crashing.call({ op: 'echo', value: 1, ms: 10_000 })).rejects.toMatchObject({
      code: 'VX_WORKER_FAILED',
    });
    await expect(crashing.call({ op: 'crash' })).rejects.toMatchObject({
      name: 'WorkerRpcError',
      code: 'VX_WORKER_FAILED',
      message: 'fixture crashed',
    });
    await waiting;
    expect(crashing.alive).toBe(false);
    await expect(crashing.call({ op: 'echo', value: 1 })).rejects.toMatchObject({ code: 'VX_WORKER_FAILED' });
    await crashing.terminate();

    const exiting = start();
    await expect(exiting.call({ op: 'exit' })).rejects.toMatchObject({
      code: 'VX_WORKER_EXITED',
      message: 'the fixture worker exited',
    });
    await expect(exiting.call({ op: 'echo', value: 1 })).rejects.toBeInstanceOf(WorkerRpcError);
  });

  it('rejects ready and the calls made meanwhile when the worker cannot start', async () => {
    const rpc = start({ failStart: true });
    const call = expect(rpc.call({ op: 'echo', value: 1 })).rejects.toMatchObject({
      code: 'VX_WORKER_FAILED',
    });
    await expect(rpc.ready).rejects.toMatchObject({
      code: 'VX_WORKER_FAILED',
      message: 'fixture refused to start',
    });
    await call;
    await rpc.terminate();
  });

  it('drops an aborted call at once, and one whose signal is already aborted before it is sent', async () => {
    const rpc = start();
    try {
      const controller = new AbortController();
      const call = rpc.call({ op: 'echo', value: 1, ms: 10_000 }, { signal: controller.signal });
      controller.abort(new Error('stop'));
      await expect(call).rejects.toThrow('stop');
      expect(rpc.pending).toBe(0);
      await expect(rpc.call({ op: 'echo', value: 1 }, { signal: controller.signal })).rejects.toThrow('stop');
      expect(rpc.pending).toBe(0);
    } finally {
      await rpc.terminate();
    }
  });

  it('closes by letting the worker let go and exit; terminate rejects waiting calls with the reason given', async () => {
    const closed = new SharedArrayBuffer(4);
    const rpc = start({ closed });
    await rpc.ready;
    await rpc.close();
    await rpc.close();
    expect(new Int32Array(closed)[0]).toBe(1);
    expect(rpc.alive).toBe(false);
    await expect(rpc.call({ op: 'echo', value: 1 })).rejects.toMatchObject({
      code: 'VX_WORKER_CLOSED',
      message: 'the fixture worker is closed',
    });

    const stopped = start();
    const reason = new Error('shutting down');
    const waiting = expect(stopped.call({ op: 'echo', value: 1, ms: 10_000 })).rejects.toBe(reason);
    await stopped.terminate(reason);
    await waiting;
    await expect(stopped.call({ op: 'echo', value: 1 })).rejects.toBe(reason);
  });
});
