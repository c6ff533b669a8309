import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import {
  decodeWav,
  encodeWav,
  int16ToBytes,
  OpusDecoderStream,
  OpusEncoderStream,
} from '../../src/audio/index.ts';
import { streamCommand, type CliIo } from '../../src/cli/stream.ts';
import { readyFor, sendJson, startFakeServer, type FakeServer } from './fakeServer.ts';

/** What the fake server saw from one client. */
interface Seen {
  start: { audio: { encoding: string; sampleRate: number }; context?: string; reply?: object } | null;
  binary: Buffer[];
  stopAfterBytes: number | null;
}

/**
 * A scripted stand-in for the server: `ready` on start; on stop it plays one utterance's events with a
 * 3-frame reply (PCM or Opus, as asked), `end`, and closes with 1000. `onStart` may replace that script.
 */
async function scriptedServer(seen: Seen[], onStart?: (ws: WebSocket) => void): Promise<FakeServer> {
  return startFakeServer((ws) => {
    const mine: Seen = { start: null, binary: [], stopAfterBytes: null };
    seen.push(mine);
    let replyOpus = false;
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        mine.binary.push(data as Buffer);
        return;
      }
      const message = JSON.parse(String(data)) as { type: string } & Seen['start'] & {
          reply?: { encoding?: string };
        };
      if (message.type === 'start') {
        mine.start = message;
        replyOpus = message.reply?.encoding === 'opus';
        if (onStart !== undefined) onStart(ws);
        else sendJson(ws, readyFor(message.audio));
      } else if (message.type === 'stop') {
        mine.stopAfterBytes = mine.binary.reduce((n, b) => n + b.byteLength, 0);
        sendJson(ws, { type: 'speech_start', utterance: 1, atMs: 120 });
        sendJson(ws, { type: 'speech_end', utterance: 1, atMs: 480 });
        sendJson(ws, { type: 'final', utterance: 1, text: 'turn on the kitchen lights' });
        sendJson(ws, {
          type: 'intent',
          utterance: 1,
          understood: true,
          intent: 'changeLightState',
          slots: { location: 'kitchen', state: 'on' },
          confidence: 0.91,
        });
        sendJson(ws, { type: 'reply', utterance: 1, text: 'Kitchen lights on.' });
        const encoding = replyOpus ? 'opus' : 'pcm_s16le';
        sendJson(ws, { type: 'tts_start', utterance: 1, encoding, sampleRate: 16000 });
        let bytes = 0;
        const pcm = Int16Array.from({ length: 960 }, (_, n) => Math.round(8000 * Math.sin(n / 5)));
        const frames = replyOpus
          ? new OpusEncoderStream({ sampleRate: 16000 }).push(pcm)
          : [0, 1, 2].map((i) => int16ToBytes(pcm.subarray(i * 320, (i + 1) * 320)));
        for (const frame of frames) {
          ws.send(frame);
          bytes += frame.byteLength;
        }
        sendJson(ws, { type: 'tts_end', utterance: 1, bytes });
        sendJson(ws, {
          type: 'metrics',
          utterance: 1,
          speechStartMs: 120,
          speechEndMs: 480,
          stages: { intent: 210, firstAudio: 320 },
          budgets: { intent: 300, firstAudio: 300 },
          exceeded: ['firstAudio'],
        });
        sendJson(ws, { type: 'end', utterances: 1 });
        ws.close(1000);
      }
    });
  });
}

/** Captures a command's output; `interrupt()` plays a Ctrl-C. */
function captureIo(): CliIo & { lines: string[]; errors: string[]; interrupt: () => void } {
  let handler: (() => void) | undefined;
  const io = {
    lines: [] as string[],
    errors: [] as string[],
    out: (line: string) => void io.lines.push(line),
    err: (line: string) => void io.errors.push(line),
    onInterrupt: (h: () => void) => {
      handler = h;
      return () => (handler = undefined);
    },
    interrupt: () => handler?.(),
  };
  return io;
}

let dir: string;
let server: FakeServer | undefined;
let file: string;
const fileSamples = 8000; // 0.5 s at 16 kHz

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vox-stream-'));
  file = join(dir, 'speech.wav');
  const pcm = Float32Array.from(
    { length: fileSamples },
    (_, n) => 0.4 * Math.sin((2 * Math.PI * 300 * n) / 16000),
  );
  await writeFile(file, encodeWav(pcm, 16000));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('streamCommand', () => {
  it('streams a WAV fast, prints JSON lines with audio summarised, and saves the reply', async () => {
    const seen: Seen[] = [];
    server = await scriptedServer(seen);
    const io = captureIo();
    const out = join(dir, 'reply.wav');
    const code = await streamCommand(
      [file, '--url', server.url, '--fast', '--json', '--context', 'smart_home', '--save-reply', out],
      io,
    );
    expect(io.errors).toEqual([`saved reply audio to ${out}`]);
    expect(code).toBe(0);
    expect(seen[0]?.start).toEqual({
      type: 'start',
      audio: { encoding: 'pcm_s16le', sampleRate: 16000 },
      context: 'smart_home',
      reply: { encoding: 'pcm_s16le' },
      partials: true,
    });
    // The whole file plus 1 s of silence, in 20 ms chunks, all before `stop`.
    expect(seen[0]?.stopAfterBytes).toBe((fileSamples + 16000) * 2);
    expect(seen[0]?.binary.every((b) => b.byteLength === 640)).toBe(true);

    const events = io.lines.map((line) => JSON.parse(line) as { type: string; t: number });
    expect(events.map((e) => e.type)).toEqual([
      'ready',
      'speech_start',
      'speech_end',
      'final',
      'intent',
      'reply',
      'tts_start',
      'audio',
      'tts_end',
      'metrics',
      'end',
      'summary',
    ]);
    expect(events[4]).toMatchObject({
      intent: 'changeLightState',
      slots: { location: 'kitchen', state: 'on' },
    });
    expect(events[7]).toMatchObject({ type: 'audio', utterance: 1, frames: 3, bytes: 1920 });
    expect(events[11]).toMatchObject({ type: 'summary', clean: true, close: 1000 });
    expect(events.every((e) => typeof e.t === 'number' && !('receivedAt' in e))).toBe(true);
    const wav = decodeWav(await readFile(out));
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels[0]).toHaveLength(960);
  });

  it('prints human-readable lines in real time, with latency after the speech end', async () => {
    server = await scriptedServer([]);
    const io = captureIo();
    const started = performance.now();
    const code = await streamCommand([file, '--url', server.url, '--silence', '200'], io);
    expect(code).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(680); // 0.5 s file + 0.2 s silence, paced
    const text = io.lines.join('\n');
    expect(text).toMatch(/^ +\d+\.\d{3}s {2}ready session=s-1 context=smart_home \(1 intents\)/);
    expect(text).toContain('speech_start #1 at 0.120 s');
    expect(text).toContain('final #1 "turn on the kitchen lights"');
    expect(text).toMatch(
      /intent #1 changeLightState location="kitchen" state="on" \(confidence 0\.91\) \[\+\d+ ms after speech end sent\]/,
    );
    expect(text).toMatch(/audio #1 first frame \(640 bytes\)/);
    expect(text).toContain('tts_end #1 1920 bytes in 3 frames');
    expect(text).toContain('metrics #1 intent=210ms firstAudio=320ms!');
    expect(text).toMatch(/summary clean end, closed 1000, intent \+\d+ ms, first audio \+\d+ ms/);
    expect(io.lines.filter((l) => l.includes('audio #1'))).toHaveLength(1); // frames are not dumped
  });

  it('sends one Opus packet per message with --opus and decodes an Opus reply', async () => {
    const seen: Seen[] = [];
    server = await scriptedServer(seen);
    const io = captureIo();
    const out = join(dir, 'opus-reply.wav');
    const code = await streamCommand(
      [file, '--url', server.url, '--fast', '--opus', '--save-reply', out],
      io,
    );
    expect(code).toBe(0);
    expect(seen[0]?.start).toMatchObject({
      audio: { encoding: 'opus', sampleRate: 16000 },
      reply: { encoding: 'opus', sampleRate: 16000 },
    });
    const decoder = new OpusDecoderStream({ sampleRate: 16000 });
    const frames = seen[0]!.binary.map((packet) => decoder.decode(packet));
    expect(frames).toHaveLength((fileSamples + 16000) / 320);
    expect(frames.every((f) => f.length === 320)).toBe(true);
    expect(decodeWav(await readFile(out)).channels[0]).toHaveLength(960);
  });

  it('exits 1 when the server refuses start or fails mid-stream', async () => {
    server = await scriptedServer([], (ws) =>
      sendJson(ws, { type: 'error', code: 'VX_UNKNOWN_CONTEXT', message: 'no context "nope"', fatal: false }),
    );
    const refused = captureIo();
    expect(await streamCommand([file, '--url', server.url, '--context', 'nope', '--fast'], refused)).toBe(1);
    expect(refused.lines.join('\n')).toContain('error VX_UNKNOWN_CONTEXT: no context "nope"');
    expect(refused.errors.join('\n')).toContain('server refused start: VX_UNKNOWN_CONTEXT');
    await server.close();

    server = await scriptedServer([], (ws) => {
      sendJson(ws, readyFor({ encoding: 'pcm_s16le', sampleRate: 16000 }));
      ws.once('message', () => {
        sendJson(ws, { type: 'error', code: 'VX_INTERNAL', message: 'boom', fatal: true });
        ws.close(1011, 'internal error');
      });
    });
    const failed = captureIo();
    expect(await streamCommand([file, '--url', server.url, '--json'], failed)).toBe(1);
    const last = JSON.parse(failed.lines.at(-1)!) as object;
    expect(last).toMatchObject({ type: 'summary', clean: false, close: 1011, reason: 'internal error' });
  });

  it('stops sending on Ctrl-C and still waits for the end', async () => {
    const seen: Seen[] = [];
    server = await scriptedServer(seen);
    const io = captureIo();
    setTimeout(() => io.interrupt(), 150);
    const code = await streamCommand([file, '--url', server.url], io);
    expect(code).toBe(0);
    const sent = seen[0]!.stopAfterBytes!;
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(fileSamples * 2); // stopped well before the end of the 0.5 s file
  });

  it('exits 1 for an unreadable file or no server, 2 for bad usage, 0 for --help', async () => {
    const io = captureIo();
    expect(await streamCommand([join(dir, 'missing.wav')], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/cannot read .*missing\.wav: ENOENT/);
    const junk = join(dir, 'junk.bin');
    await writeFile(junk, 'not audio at all');
    expect(await streamCommand([junk], io)).toBe(1);
    expect(io.errors.at(-1)).toContain('expected WAV (RIFF) or Ogg Opus (OggS)');
    expect(await streamCommand([file, '--url', 'ws://127.0.0.1:1/', '--fast'], io)).toBe(1);
    expect(io.errors.at(-1)).toMatch(/cannot connect to ws:\/\/127\.0\.0\.1:1\/.*ECONNREFUSED/);

    expect(await streamCommand([file, '--realtime', '--fast'], io)).toBe(2);
    expect(io.errors.at(-1)).toContain('--realtime and --fast exclude each other');
    expect(await streamCommand([file, '--rate', '22050'], io)).toBe(2);
    expect(io.errors.at(-1)).toContain('sampleRate for pcm_s16le must be one of 8000, 16000, 44100, 48000');
    expect(await streamCommand(['--jsno', file], io)).toBe(2);
    expect(io.errors.at(-1)).toMatch(
      /^voxstream stream: unknown option --jsno \(did you mean --json\?\)\n\nusage:/,
    );
    expect(await streamCommand([], io)).toBe(2);
    expect(io.errors.at(-1)).toContain('missing <file>');
    expect(await streamCommand(['--help'], io)).toBe(0);
    expect(io.lines.at(-1)).toContain('usage: voxstream stream');
  });
});
