import { readFile } from 'node:fs/promises';
import { type Server, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from '../../src/server/page.ts';

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (!servePage(req, res)) res.writeHead(404).end('not ours\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('servePage', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', '<!doctype html>'],
    ['/index.html?x=1', 'text/html; charset=utf-8', '<!doctype html>'],
    ['/app.js', 'text/javascript; charset=utf-8', 'class ReplyPlayer'],
    ['/worklet.js', 'text/javascript; charset=utf-8', "registerProcessor('vox-capture'"],
    ['/style.css', 'text/css; charset=utf-8', ':root'],
  ])('serves %s as %s', async (path, type, content) => {
    const res = await fetch(origin + path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain(content);
  });

  it('lists the contexts a bare name resolves to, without reply sidecars', async () => {
    const res = await fetch(`${origin}/contexts`);
    expect(res.headers.get('content-type')).toBe('application/json');
    const { contexts } = (await res.json()) as { contexts: string[] };
    expect(contexts).toEqual(expect.arrayContaining(['digits', 'smart_home']));
    expect(contexts).toEqual([...contexts].sort());
    expect(contexts.some((c) => c.includes('.'))).toBe(false);
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const head = await fetch(`${origin}/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await head.text()).toBe('');
    const post = await fetch(`${origin}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/page/app.js',
    '/app.js/',
    '/server.ts',
    '/..%2fpage.ts',
    '/metrics',
  ])('leaves %s to the caller', async (path) => {
    // fetch() would normalize the dots away; send the path as written.
    const { port } = server.address() as AddressInfo;
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path }, (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      }).on('error', reject);
    });
    expect(res).toEqual({ status: 404, body: 'not ours\n' });
  });
});

describe('the capture worklet', () => {
  /** Runs worklet.js as the browser would, at `sampleRate`, and feeds it `input` in 128-sample quanta. */
  async function capture(sampleRate: number, input: Float32Array) {
    const posted: { pcm: ArrayBuffer; peak: number }[] = [];
    let Processor: new (options: object) => { process(inputs: Float32Array[][]): boolean } =
      class {} as never;
    const scope = {
      sampleRate,
      AudioWorkletProcessor: class {
        port = { postMessage: (m: { pcm: ArrayBuffer; peak: number }) => posted.push(m), onmessage: null };
      },
      registerProcessor: (_: string, p: typeof Processor) => (Processor = p),
    };
    vm.runInNewContext(
      await readFile(new URL('../../src/server/page/worklet.js', import.meta.url), 'utf8'),
      scope,
    );
    const node = new Processor({ processorOptions: { targetRate: 16000, frameSamples: 320 } });
    for (let i = 0; i + 128 <= input.length; i += 128)
      expect(node.process([[input.subarray(i, i + 128)]])).toBe(true);
    return posted;
  }
  const tone = (hz: number, sampleRate: number, sec: number) =>
    Float32Array.from(
      { length: sampleRate * sec },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRate),
    );
  const rms = (x: Int16Array) => Math.sqrt(x.reduce((s, v) => s + (v / 32768) ** 2, 0) / x.length);

  it.each([44100, 48000, 16000])('sends 20 ms frames of 16 kHz PCM from a %i Hz context', async (rate) => {
    const frames = await capture(rate, tone(1000, rate, 1));
    expect(frames.every((f) => f.pcm.byteLength === 640)).toBe(true);
    // One second in, less the input's last partial quantum and frame.
    expect(frames.length).toBeGreaterThanOrEqual(48);
    expect(frames.length).toBeLessThanOrEqual(50);
    const pcm = new Int16Array(Buffer.concat(frames.map((f) => Buffer.from(f.pcm))).buffer);
    const steady = pcm.subarray(1600, 14400);
    expect(rms(steady)).toBeCloseTo(0.5 / Math.SQRT2, 2); // a 1 kHz tone passes at its level
    let crossings = 0;
    for (let i = 1; i < steady.length; i++) if (steady[i - 1]! < 0 !== steady[i]! < 0) crossings++;
    expect(crossings / 2 / (steady.length / 16000)).toBeCloseTo(1000, -1); // at its pitch
    expect(frames[10]!.peak).toBeCloseTo(0.5, 2);
  });

  it('filters out what would alias above 8 kHz', async () => {
    const frames = await capture(48000, tone(11000, 48000, 1));
    const pcm = new Int16Array(Buffer.concat(frames.map((f) => Buffer.from(f.pcm))).buffer);
    expect(rms(pcm.subarray(1600, 14400))).toBeLessThan(0.001); // under -50 dB
  });
});
