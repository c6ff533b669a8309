import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contextNamesIn, watchContexts } from '../../src/context/index.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('watchContexts', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vx-watch-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a context once after a burst of writes, for its replies file too, and nothing after close', async () => {
    const seen: string[] = [];
    const watch = watchContexts(dir, (name) => seen.push(name), { debounceMs: 100 });
    try {
      for (let i = 0; i < 5; i++) await writeFile(join(dir, 'kitchen.yaml'), `# version ${i}\n`);
      await writeFile(join(dir, 'notes.txt'), 'not a context');
      await writeFile(join(dir, 'two.words.yaml'), 'not a context name');
      await sleep(400);
      expect(seen).toEqual(['kitchen']);
      await writeFile(join(dir, 'kitchen.replies.yaml'), 'replies: {}\n');
      await sleep(400);
      await unlink(join(dir, 'kitchen.yaml'));
      await sleep(400);
      expect(seen).toEqual(['kitchen', 'kitchen', 'kitchen']);
      await writeFile(join(dir, 'garage.yaml'), '# new\n');
      watch.close();
      watch.close();
      await sleep(300);
      expect(seen).toHaveLength(3);
    } finally {
      watch.close();
    }
  });

  it('lists the context names in a folder, leaving out sidecars and other files', async () => {
    for (const f of ['b.yaml', 'a.yaml', 'a.replies.yaml', 'c.yml', 'x.txt'])
      await writeFile(join(dir, f), '');
    expect(await contextNamesIn(dir)).toEqual(['a', 'b']);
  });
});
