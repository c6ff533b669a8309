import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../src/audio/index.ts';
import type { ServerMessage } from '../../src/protocol/index.ts';
import { VoxServer } from '../../src/server/index.ts';
import { closeSpeech, speech } from '../helpers/speech.ts';
import { syntheticSpeech } from '../helpers/models.ts';

// Debian's Chromium (`apt-get install chromium`); .ci/run installs it where it can.
const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
const screenshots = fileURLToPath(new URL('./__screenshots__/', import.meta.url));
// The picker lists the shipped contexts, and ../shared's coffee maker where that folder is present.
/** The shipped contexts: the server never looks in ../shared, so a development checkout offers no more. */
const expectedContexts = ['smart home', 'digits'];

/**
 * What the fake microphone plays: 16 kHz mono WAV (Chromium converts it), played once (`%noloop`), then
 * digital silence. Commands are padded with `padMs` of room noise on each side (see `speech`); the page
 * opens the microphone while it connects, and the server's VAD needs silence after a command to end it.
 */
async function micWav(file: string, parts: ({ text: string; padMs: number } | { silenceMs: number })[]) {
  const pieces: Float32Array[] = [];
  for (const part of parts) {
    if ('text' in part) pieces.push((await speech(part.text, part.padMs)).pcm);
    else pieces.push(new Float32Array((part.silenceMs * 16000) / 1000));
  }
  const pcm = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of pieces) {
    pcm.set(p, offset);
    offset += p.length;
  }
  await writeFile(file, encodeWav(pcm, 16000));
  return file;
}

/** Chromium with a fake microphone that plays `wav`, granted without a prompt. */
function launch(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}%noloop`,
    ],
  });
}

// The page's globals, as the callbacks below see them inside the browser (tsconfig has no DOM lib).
declare const document: { body: { dataset: Record<string, string | undefined> } };

/** What the page received: the server's messages, and each binary message as its size. */
type Received = ServerMessage | { type: 'audio'; bytes: number };

const command = 'turn on the lights in the kitchen';
const data = (page: Page, name: string) => page.evaluate((n) => document.body.dataset[n] ?? '', name);

describe.skipIf(!hasChromium)('the browser client page, in headless Chromium', () => {
  let server: VoxServer;
  let browser: Browser | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'voxstream-page-'));
    server = await VoxServer.start({ ...syntheticSpeech, port: 0, host: '127.0.0.1', logLevel: 'silent' });
    const wav = await micWav(join(dir, 'command.wav'), [{ text: command, padMs: 1000 }, { silenceMs: 1000 }]);
    browser = await launch(wav);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await closeSpeech();
    await rm(dir, { recursive: true, force: true });
  });

  /** A page on the server, with what went wrong in it and what the server sent it. */
  async function open(b: Browser) {
    const origin = `http://127.0.0.1:${server.port}`;
    const page = await b.newPage({ viewport: { width: 1280, height: 800 } });
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on(
      'request',
      (r) => !r.url().startsWith(`${origin}/`) && problems.push(`external request: ${r.url()}`),
    );
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    const sockets: string[] = [];
    const events: Received[] = [];
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framereceived', ({ payload }) =>
        events.push(
          typeof payload === 'string' ? JSON.parse(payload) : { type: 'audio', bytes: payload.length },
        ),
      );
    });
    await page.goto(`${origin}/`);
    await expect
      .poll(() => page.locator('#context option').allTextContents())
      .toEqual(expect.arrayContaining(expectedContexts));
    expect(await page.locator('#context').inputValue()).toBe('smart_home');
    // Chromium's fake microphone goes through the audio processing, and echo cancellation reshapes it.
    await page.uncheck('#aec');
    const event = <T extends Received['type']>(type: T) =>
      events.find((e): e is Extract<Received, { type: T }> => e.type === type);
    return { page, problems, sockets, events, event };
  }

  it('captures the microphone, shows the intent and slots and the latencies, and plays the reply', async () => {
    const { page, problems, sockets, event } = await open(browser!);

    await page.click('#toggle');
    await page.waitForFunction(() => document.body.dataset.intent !== '', null, { timeout: 30_000 });
    const intent = event('intent')!;
    expect(await data(page, 'intent')).toBe(intent.understood ? intent.intent : '?');
    expect(JSON.parse(await data(page, 'slots'))).toEqual(intent.slots);
    expect(await page.locator('#slots li').allTextContents()).toEqual(
      Object.entries(intent.slots).map(([k, v]) => `${k}${v}`),
    );
    expect(await page.locator('#transcript').textContent()).toBe(event('final')?.text);

    // A reply is over a second of 16 kHz audio; the page counts the samples whose playback ran to the end.
    await page.waitForFunction(() => Number(document.body.dataset.playedSamples) > 16000, null, {
      timeout: 20_000,
    });
    await expect
      .poll(() => page.locator('#playback').getAttribute('data-state'), { timeout: 10_000 })
      .toBe('done');
    expect(Number(await data(page, 'playedSamples'))).toBe(event('tts_end')!.bytes / 2);
    expect(await page.locator('#reply-text').textContent()).toBe(event('reply')?.text);
    await page.waitForFunction(() => document.body.dataset.utterances === '1', null, { timeout: 10_000 });
    const metrics = event('metrics')!;
    const stages = Object.keys(metrics.budgets).filter((s) => typeof metrics.stages[s] === 'number');
    expect(await page.locator('#metrics .stage').count()).toBe(stages.length);
    expect(stages.length).toBeGreaterThanOrEqual(4);

    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'page-desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(screenshots, 'page-phone.png'), fullPage: true });

    await page.click('#toggle');
    await page.waitForFunction(() => document.body.dataset.state === 'stopped', null, { timeout: 10_000 });
    expect(event('end')).toEqual({ type: 'end', utterances: 1 });
    expect(sockets).toEqual([`ws://127.0.0.1:${server.port}/`]);
    expect(problems).toEqual([]);
    await page.close();

    // Last, as it rests on the ASR model rather than on the page: the command was understood.
    expect({ intent: intent.intent, slots: intent.slots }).toEqual({
      intent: 'changeLightState',
      slots: { state: 'on', room: 'kitchen' },
    });
    expect(event('reply')?.text).toBe('Turning on the kitchen lights.');
  });

  it('stops playing the reply when the server reports a barge-in', async () => {
    // The second command starts 1.4 s after the first ends: after the VAD has ended the first (700 ms of
    // silence), while its reply (over a second long) is being made or played.
    const wav = await micWav(join(dir, 'barge-in.wav'), [
      { silenceMs: 700 },
      { text: command, padMs: 300 },
      { silenceMs: 800 },
      { text: 'set a timer for five minutes', padMs: 300 },
      { silenceMs: 1500 },
    ]);
    const b = await launch(wav);
    try {
      const { page, problems, events, event } = await open(b);
      await page.click('#toggle');
      await page.waitForFunction(() => document.body.dataset.interrupted === '1', null, { timeout: 30_000 });
      expect(event('tts_interrupted')).toEqual({ type: 'tts_interrupted', utterance: 1 });
      expect(await data(page, 'playing')).toBe('false');
      expect(await page.locator('#playback').getAttribute('data-state')).toBe('interrupted');
      // Nothing scheduled plays on: the count of played samples stays where the interruption left it,
      // short of the reply audio the page had received by then.
      const played = Number(await data(page, 'playedSamples'));
      const cut = events.findIndex((e) => e.type === 'tts_interrupted');
      const received = events.slice(0, cut).reduce((n, e) => n + (e.type === 'audio' ? e.bytes : 0), 0);
      expect(played).toBeLessThan(received / 2);
      await page.waitForTimeout(500);
      expect(Number(await data(page, 'playedSamples'))).toBe(played);
      // The session goes on: the second utterance is answered.
      await expect.poll(() => events.filter((e) => e.type === 'intent').length, { timeout: 30_000 }).toBe(2);
      expect(problems).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
