import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoxServer } from '../../../src/server/index.ts';
import { WyomingClient } from '../../../src/client/index.ts';
import { WyomingServer } from '../../../src/server/wyoming/index.ts';
import { syntheticSpeech } from '../../helpers/models.ts';

let vox: VoxServer;
let wyoming: WyomingServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vx-wyoming-'));
  writeFileSync(
    join(dir, 'porch.yaml'),
    "context:\n  expressions:\n    porchLight:\n      - 'porch light $state:state'\n  slots:\n    state: ['on', 'off']\n",
  );
  writeFileSync(
    join(dir, 'porch.homeassistant.yaml'),
    "homeassistant:\n  porchLight:\n    - when: { state: 'on' }\n      intent: HassTurnOn\n      entities: { name: porch light }\n",
  );
  writeFileSync(join(dir, 'broken.yaml'), 'context:\n  expressions: [1, 2\n');
  // The WebSocket side's limits, small: the Wyoming side keeps the same ones.
  vox = await VoxServer.start({
    ...syntheticSpeech,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    contextsDir: dir,
    maxSessionsPerAddress: 1,
    idleTimeoutMs: 500,
    audioBurstMs: 200,
  });
  wyoming = await WyomingServer.start(
    { port: 0, host: '127.0.0.1', zeroconf: false },
    { engine: vox.engine, admission: vox.admission, log: vox.log },
  );
}, 120_000);

afterAll(async () => {
  await wyoming?.close();
  await vox?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function settled(): Promise<void> {
  for (let i = 0; i < 100 && wyoming.connectionCount > 0; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('contexts of the --contexts folder', () => {
  it('serves a user context with its own Home Assistant mapping, leaving out one that does not load', async () => {
    await settled();
    const c = await WyomingClient.connect(wyoming.port);
    c.send('describe');
    const info = (await c.nextOf('info')).data as { intent: { models: { name: string }[] }[] };
    const names = info.intent[0]?.models.map((m) => m.name);
    expect(names).toEqual(['smart_home', 'porch', 'digits']);
    c.send('recognize', { text: 'porch light on' });
    expect((await c.nextOf('intent')).data).toMatchObject({
      name: 'HassTurnOn',
      entities: [{ name: 'name', value: 'porch light' }],
    });
    c.send('recognize', { text: 'porch light off' });
    expect((await c.nextOf('not-recognized')).data['text']).toMatch(
      /porchLight in porch, but it has no Home/,
    );
    c.close();
  });
});

describe('limits shared with the WebSocket side', () => {
  it('closes a connection over the per-address limit with VX_WY_BUSY', async () => {
    await settled();
    const first = await WyomingClient.connect(wyoming.port);
    const second = await WyomingClient.connect(wyoming.port);
    expect((await second.nextOf('error')).data).toMatchObject({ code: 'VX_WY_BUSY' });
    await second.closed;
    first.send('describe');
    await first.nextOf('info');
    first.close();
  });

  it('closes an idle connection with VX_IDLE_TIMEOUT', async () => {
    await settled();
    const c = await WyomingClient.connect(wyoming.port);
    expect((await c.nextOf('error', 5000)).data).toMatchObject({ code: 'VX_IDLE_TIMEOUT' });
    await c.closed;
  });

  it('closes a connection sending audio faster than real time past the burst allowance', async () => {
    await settled();
    const c = await WyomingClient.connect(wyoming.port);
    const format = { rate: 16000, width: 2, channels: 1 };
    c.send('audio-start', format);
    // One second of audio at once, against an allowance of 200 ms.
    for (let i = 0; i < 10; i++) c.send('audio-chunk', format, new Uint8Array(3200));
    expect((await c.nextOf('error')).data).toMatchObject({ code: 'VX_AUDIO_RATE_EXCEEDED' });
    await c.closed;
    await settled();
    expect(wyoming.liveGraphs).toBe(0);
  });
});
