import { describe, expect, it } from 'vitest';
import { ContextCache } from '../../src/runtime/contextCache.ts';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ContextCache', () => {
  it('evicts the least recently used entries once their bytes pass the budget, never pinned ones', async () => {
    const cache = new ContextCache<number>(100, (n) => n);
    cache.set('pinned', Promise.resolve(500), true);
    cache.set('a', Promise.resolve(40));
    cache.set('b', Promise.resolve(40));
    await settle();
    expect(cache.bytes).toBe(80);
    expect(await cache.get('a')).toBe(40); // a is now the most recently used
    cache.set('c', Promise.resolve(40));
    await settle();
    expect(cache.keys()).toEqual(['pinned', 'a', 'c']);
    expect(cache.bytes).toBe(80);
    cache.set('big', Promise.resolve(1000));
    await settle();
    // One entry over the whole budget evicts everything unpinned, itself included.
    expect(cache.keys()).toEqual(['pinned']);
    expect(cache.bytes).toBe(0);
  });

  it('drops an entry that rejects, and counts a pinned one no more', async () => {
    const cache = new ContextCache<number>(100, (n) => n);
    const failed = Promise.reject(new Error('bad context'));
    cache.set('bad', failed);
    await failed.catch(() => undefined);
    await settle();
    expect(cache.get('bad')).toBeUndefined();
    cache.set('x', Promise.resolve(30));
    await settle();
    expect(cache.pin('x')).toBe(true);
    expect(cache.bytes).toBe(0);
    cache.delete('x');
    expect(cache.size).toBe(0);
    expect(cache.pin('x')).toBe(false);
  });
});
