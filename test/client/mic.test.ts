import { EventEmitter } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpusDecoderStream } from '../../src/audio/index.ts';
import { findExecutable, micCommand, recordInto } from '../../src/cli/mic.ts';
import type { CliIo } from '../../src/cli/stream.ts';
import { readyFor, sendJson, startFakeServer } from './fakeServer.ts';

/** A stand-in for a node-record-lpcm16 recording: `stream` is what the recorder writes. */
function fakeRecording(exitCode = 0): {
  recording: Parameters<typeof recordInto>[0];
  stream: PassThrough;
  stops: number;
} {
  const stream = new PassThrough();
  const process = Object.assign(new EventEmitter(), { stderr: new PassThrough() });
  const fake = {
    stream,
    stops: 0,
    recording: {
      process: process as unknown as Parameters<typeof recordInto>[0]['process'],
      stream: () => stream,
      stop: () => {
        fake.stops++;
        stream.end();
      },
    },
  };
  // Like a child process: 'close' with the exit code after stdout has ended (null: killed by stop()).
  stream.on('end', () => setImmediate(() => process.emit('close', fake.stops > 0 ? null : exitCode)));
  return fake;
}

class Sink {
  readonly chunks: Uint8Array[] = [];
  async sendAudio(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes.slice());
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function io(): CliIo & { lines: string[]; errors: string[]; interrupt: () => void } {
  let handler: (() => void) | undefined;
  const capture = {
    lines: [] as string[],
    errors: [] as string[],
    out: (line: string) => void capture.lines.push(line),
    err: (line: string) => void capture.errors.push(line),
    onInterrupt: (h: () => void) => {
      handler = h;
      return () => (handler = undefined);
    },
    interrupt: () => handler?.(),
  };
  return capture;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vox-mic-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('recordInto', () => {
  it('re-cuts the recorder output into 20 ms PCM frames and sends the tail at the end', async () => {
    const { recording, stream } = fakeRecording();
    const sink = new Sink();
    const done = recordInto(recording, sink, { opus: false, signal: new AbortController().signal });
    const bytes = Uint8Array.from({ length: 2000 }, (_, i) => i % 251);
    stream.write(bytes.subarray(0, 1001)); // odd sizes: frames and samples straddle the writes
    stream.write(bytes.subarray(1001, 1777));
    stream.end(bytes.subarray(1777));
    await done;
    expect(sink.chunks.map((c) => c.byteLength)).toEqual([640, 640, 640, 80]);
    expect(Buffer.concat(sink.chunks)).toEqual(Buffer.from(bytes));
  });

  it('encodes 20 ms Opus packets with --opus', async () => {
    const { recording, stream } = fakeRecording();
    const sink = new Sink();
    const done = recordInto(recording, sink, { opus: true, signal: new AbortController().signal });
    stream.end(new Uint8Array(640 * 10 + 100));
    await done;
    expect(sink.chunks).toHaveLength(11); // 10 whole frames + the padded tail
    const decoder = new OpusDecoderStream({ sampleRate: 16000 });
    expect(sink.chunks.every((packet) => decoder.decode(packet).length === 320)).toBe(true);
  });

  it('stops the recorder when aborted, and reports a recorder failure with its stderr', async () => {
    const aborted = fakeRecording();
    const controller = new AbortController();
    const done = recordInto(aborted.recording, new Sink(), { opus: false, signal: controller.signal });
    controller.abort();
    await done;
    expect(aborted.stops).toBe(1);

    const failing = fakeRecording();
    const failed = recordInto(failing.recording, new Sink(), {
      opus: false,
      signal: new AbortController().signal,
    });
    failing.recording.process.stderr?.emit('data', Buffer.from('sox FAIL: no default audio device\n'));
    failing.stream.emit('error', 'sox has exited with error code 2.\n\nEnable debugging with DEBUG=record.');
    await expect(failed).rejects.toThrow(
      'sox has exited with error code 2. sox FAIL: no default audio device',
    );
    expect(failing.stops).toBe(1);

    // A recorder with no device exits at once with an empty stdout; only its exit code tells.
    const quitting = fakeRecording(1);
    const quit = recordInto(quitting.recording, new Sink(), {
      opus: false,
      signal: new AbortController().signal,
    });
    quitting.recording.process.stderr?.emit('data', Buffer.from('arecord: main: audio open error\n'));
    quitting.stream.end();
    await expect(quit).rejects.toThrow('exited with code 1. arecord: main: audio open error');
  });
});

describe('findExecutable', () => {
  it('finds executables on PATH and skips files that are not executable', async () => {
    await writeFile(join(dir, 'plain'), 'not a program');
    expect(await findExecutable('plain', dir)).toBeNull();
    expect(await findExecutable('sh', `${dir}${delimiter}/bin${delimiter}/usr/bin`)).toMatch(/\/sh$/);
    expect(await findExecutable('sh', '')).toBeNull();
  });
});

describe('micCommand', () => {
  it('exits 2 with install advice when no recorder is on PATH', async () => {
    const capture = io();
    expect(await micCommand([], capture, dir)).toBe(2);
    expect(capture.errors.join('\n')).toMatch(/looked for sox, rec, arecord[\s\S]*sox[\s\S]*alsa-utils/);
    expect(await micCommand(['--recorder', 'parecord'], capture, dir)).toBe(2);
    expect(capture.errors.at(-1)).toContain('--recorder must be sox, rec or arecord');
    expect(await micCommand(['extra'], capture, dir)).toBe(2);
  });

  it('streams a recorder live until Ctrl-C, then finishes the session cleanly', async () => {
    // A fake `arecord`: 16100 bytes of silence, then it waits to be killed like a real recorder.
    const fake = join(dir, 'arecord');
    await writeFile(fake, '#!/bin/sh\nhead -c 16100 /dev/zero\nexec sleep 30\n');
    await chmod(fake, 0o755);
    const frames: number[] = [];
    let stopped = false;
    const server = await startFakeServer((ws) =>
      ws.on('message', (data, isBinary) => {
        if (isBinary) return void frames.push((data as Buffer).byteLength);
        const message = JSON.parse(String(data)) as {
          type: string;
          audio: { encoding: string; sampleRate: number };
        };
        if (message.type === 'start') sendJson(ws, readyFor(message.audio));
        if (message.type === 'stop') {
          stopped = true;
          sendJson(ws, { type: 'end', utterances: 0 });
          ws.close(1000);
        }
      }),
    );
    const savedPath = process.env['PATH'];
    process.env['PATH'] = `${dir}${delimiter}${savedPath ?? ''}`;
    try {
      const capture = io();
      const run = micCommand(['--url', server.url, '--recorder', 'arecord', '--json'], capture, dir);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stopped).toBe(false);
      capture.interrupt();
      expect(await run).toBe(0);
      expect(capture.errors[0]).toBe('listening with arecord; press Ctrl-C to stop');
      expect(frames).toEqual([...Array<number>(25).fill(640), 100]);
      expect(JSON.parse(capture.lines.at(-1)!)).toMatchObject({ type: 'summary', clean: true });
    } finally {
      process.env['PATH'] = savedPath;
      await server.close();
    }
  });
});
