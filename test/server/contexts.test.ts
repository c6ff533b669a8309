import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { VoxServer } from '../../src/server/index.ts';
import { open, waitFor } from '../helpers/harness.ts';
import { syntheticSpeech } from '../helpers/models.ts';

/** A context with one intent per name, each said as "please <name>". */
const context = (...intents: string[]) =>
  `context:\n  expressions:\n${intents.map((i) => `    ${i}:\n      - "please ${i.toLowerCase()}"\n`).join('')}`;

/** The line an unknown slot is on (line 5) is what the warning must name. */
const broken =
  'context:\n  expressions:\n    openDoor:\n      - "open the door"\n      - "open the $nope:thing"\n';

describe('a server with --contexts DIR', () => {
  let server: VoxServer;
  let dir = '';
  const logs: Record<string, unknown>[] = [];
  const spy = vi.spyOn(process.stderr, 'write');

  /** The intents a new session on `name` is served, or the error code it gets. */
  async function served(name: string): Promise<string[] | string> {
    const raw = await open(`ws://127.0.0.1:${server.port}/`);
    try {
      raw.send({ type: 'start', audio: { encoding: 'pcm_s16le', sampleRate: 16000 }, context: name });
      const m = await raw.next((x) => x.type === 'ready' || x.type === 'error');
      return m.type === 'ready' ? ((m['context'] as { intents: string[] }).intents ?? []) : String(m['code']);
    } finally {
      raw.ws.close();
      await raw.closed;
    }
  }
  const logged = (msg: string, context: string) =>
    logs.filter((l) => l['msg'] === msg && l['context'] === context);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vx-contexts-'));
    await writeFile(join(dir, 'kitchen.yaml'), context('Brew', 'Grind'));
    await writeFile(join(dir, 'broken.yaml'), broken);
    spy.mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a log line
        }
      }
      return true;
    });
    server = await VoxServer.start({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'info',
      contextsDir: dir,
      ...syntheticSpeech,
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    spy.mockRestore();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves each NAME.yaml by name, beside the shipped contexts, and names a broken one by file and line', async () => {
    expect(await served('kitchen')).toEqual(['Brew', 'Grind']);
    expect(await served('smart_home')).toContain('setTimer');
    expect(await served('broken')).toBe('VX_BAD_CONTEXT');
    expect(logged('context does not load; the version in service, if any, stays', 'broken')).toMatchObject([
      { file: join(dir, 'broken.yaml'), line: 5, error: expect.stringContaining('unknown slot type') },
    ]);
    const res = await fetch(`http://127.0.0.1:${server.port}/contexts`);
    expect(((await res.json()) as { contexts: string[] }).contexts).toEqual(
      expect.arrayContaining(['broken', 'kitchen', 'smart_home', 'digits']),
    );
  });

  it('serves a context added after start, and picks up a change', async () => {
    expect(await served('garage')).toBe('VX_UNKNOWN_CONTEXT');
    await writeFile(join(dir, 'garage.yaml'), context('Open'));
    await waitFor(() => logged('context checked', 'garage').length > 0, 5000, 'garage checked');
    expect(await served('garage')).toEqual(['Open']);
    await writeFile(join(dir, 'kitchen.yaml'), context('Brew', 'Grind', 'Steam'));
    await waitFor(() => logged('context checked', 'kitchen').length > 1, 5000, 'kitchen checked again');
    expect(logged('context checked', 'kitchen').at(-1)).toMatchObject({ outcome: 'replaced' });
    expect(await served('kitchen')).toEqual(['Brew', 'Grind', 'Steam']);
  });

  it('keeps the version in service when a change does not parse, and says where', async () => {
    const warning = 'context does not load; the version in service, if any, stays';
    // pantry was checked when it was added but no session has used it yet: its version is held all the same.
    await writeFile(join(dir, 'pantry.yaml'), context('Stock'));
    await waitFor(() => logged('context checked', 'pantry').length > 0, 5000, 'pantry checked');
    for (const name of ['kitchen', 'pantry']) {
      const warned = logged(warning, name).length;
      await writeFile(join(dir, `${name}.yaml`), 'context:\n  expressions: [\n');
      await waitFor(() => logged(warning, name).length > warned, 5000, `${name} warned`);
      expect(logged(warning, name).at(-1)).toMatchObject({ file: join(dir, `${name}.yaml`), line: 3 });
    }
    expect(await served('kitchen')).toEqual(['Brew', 'Grind', 'Steam']);
    expect(await served('pantry')).toEqual(['Stock']);
  });
});
