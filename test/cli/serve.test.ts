import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveOptions } from '../../src/cli/serve.ts';
import { resolveServerOptions } from '../../src/server/config.ts';

describe('voxstream serve options', () => {
  it('maps flags and the environment onto server options, flags first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vx-serve-'));
    try {
      writeFileSync(join(dir, 'tokens'), '# kiosks\nk1\nbench:unlimited\n');
      const o = await serveOptions(
        {
          port: '9000',
          tokens: 'a, b',
          'tokens-file': join(dir, 'tokens'),
          'allowed-origins': 'https://app.example.com,https://admin.example.com',
          'tls-key': '/k.pem',
          'tls-cert': '/c.pem',
          'max-sessions-per-address': '4',
          'idle-timeout-ms': '15000',
          'audio-burst-ms': '2000',
          'trust-proxy': '10.0.0.5, ::1',
          contexts: 'my-contexts',
          'token-max-ttl': '3600',
          voices: 'en-gb, en-us+f3',
          'tts-workers': '2',
          'max-message-bytes': '8192',
          'frame-downsample': '2',
          'final-gaussians': '16',
          'remove-noise': 'on',
          'noisy-pass-choice': 'on',
          beams: '120, 100',
        },
        { PORT: '1', VOXSTREAM_TOKENS: 'ignored', VOXSTREAM_TOKEN_SECRET: 'from-the-environment-0123' },
      );
      expect(o).toMatchObject({
        port: 9000,
        tokens: ['a', 'b', 'k1', 'bench:unlimited'],
        tokenSecret: 'from-the-environment-0123',
        allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
        tlsKeyPath: '/k.pem',
        tlsCertPath: '/c.pem',
        maxSessionsPerAddress: 4,
        idleTimeoutMs: 15000,
        audioBurstMs: 2000,
        trustProxy: ['10.0.0.5', '::1'],
        contextsDir: join(process.cwd(), 'my-contexts'),
        tokenMaxTtlSec: 3600,
        voices: ['en-gb', 'en-us+f3'],
        ttsWorkers: 2,
        finalGaussians: 16,
        maxMessageBytes: 8192,
        acousticFrameDownsample: 2,
        removeNoise: true,
        noisyPassChoice: true,
        searchBeams: [120, 100],
      });
      await expect(serveOptions({ beams: '150' }, {})).rejects.toThrow(/--beams must be two numbers/);
      expect((await serveOptions({ 'remove-noise': 'off' }, {})).removeNoise).toBe(false);
      await expect(serveOptions({ 'remove-noise': 'yes' }, {})).rejects.toThrow(
        /--remove-noise must be on or off, got yes/,
      );
      expect((await serveOptions({}, {})).noisyPassChoice).toBeUndefined();
      await expect(serveOptions({ 'noisy-pass-choice': '1' }, {})).rejects.toThrow(
        /--noisy-pass-choice must be on or off, got 1/,
      );
      // The old name of --max-message-bytes still works.
      expect((await serveOptions({ 'max-frame-bytes': '4096' }, {})).maxMessageBytes).toBe(4096);
      expect((await serveOptions({}, { VOXSTREAM_TOKENS: 'x,y', PORT: '7000' })).tokens).toEqual(['x', 'y']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves validation to the server, which names the bad option', async () => {
    expect(() => resolveServerOptions({ idleTimeoutMs: Number('soon') })).toThrow(/idleTimeoutMs/);
    expect(() => resolveServerOptions({ tokenSecret: 'short' })).toThrow(/tokenSecret/);
    expect(() => resolveServerOptions({ tlsKeyPath: '/k.pem' })).toThrow(/tlsCertPath/);
    expect(() => resolveServerOptions({ tokens: ['a b'] })).toThrow(/tokens/);
    expect(() => resolveServerOptions({ maxBatch: 0 })).toThrow(/maxBatch/);
    expect(() => resolveServerOptions({ tokenMaxTtlSec: 0 })).toThrow(/tokenMaxTtlSec/);
    expect(() => resolveServerOptions({ ttsWorkers: 9 })).toThrow(/ttsWorkers/);
    expect(() => resolveServerOptions({ voices: [] })).toThrow(/voices/);
    expect(() => resolveServerOptions({ slotLimits: { valuesPerSlot: -1 } as never })).toThrow(
      /slotLimits\.valuesPerSlot/,
    );
    expect(() => resolveServerOptions({ contextCacheBytes: 10 })).toThrow(/contextCacheBytes/);
    expect(() => resolveServerOptions({ inferenceThreads: 'gpu' as never })).toThrow(/inferenceThreads/);
    expect(() => resolveServerOptions({ searchBeams: [100, 120] })).toThrow(/searchBeams must be/);
    expect(() => resolveServerOptions({ searchBeams: [100] as never })).toThrow(/searchBeams must be/);
    expect(() => resolveServerOptions({ firstPassStands: Number.NaN })).toThrow(/firstPassStands must be/);
    expect(() => resolveServerOptions({ cmnPriorFrames: -1 })).toThrow(/cmnPriorFrames must be/);
    expect(resolveServerOptions({ cmnPriorFrames: 30 }).cmnPriorFrames).toBe(30);
    expect(() => resolveServerOptions({ finalGaussians: 0 })).toThrow(/finalGaussians must be/);
    expect(() => resolveServerOptions({ finalGaussians: 2.5 })).toThrow(/finalGaussians must be/);
    expect(resolveServerOptions({ finalGaussians: 16 }).finalGaussians).toBe(16);
    expect(() => resolveServerOptions({ firstPassStands: null })).not.toThrow();
    expect(() => resolveServerOptions({ removeNoise: 'on' as never })).toThrow(
      /removeNoise must be true or false/,
    );
    expect(() => resolveServerOptions({ endpointing: { segment: { endSilenceMs: Number('x') } } })).toThrow(
      /endpointing\.segment\.endSilenceMs/,
    );
    expect(() => resolveServerOptions({ endpointing: { vad: {} } as never })).toThrow(/not a stage/);
  });

  it('maps batching and endpointing flags', async () => {
    const o = await serveOptions(
      { 'max-batch': '1', 'inference-threads': 'main', 'end-silence-ms': '500', 'accept-threshold': '0.7' },
      {},
    );
    expect(o).toMatchObject({
      maxBatch: 1,
      inferenceThreads: 'main',
      endpointing: { segment: { endSilenceMs: 500 }, understand: { acceptThreshold: 0.7 } },
    });
    expect(resolveServerOptions(o).maxBatch).toBe(1);
    expect(resolveServerOptions({}).inferenceThreads).toBe('worker');
  });
});
