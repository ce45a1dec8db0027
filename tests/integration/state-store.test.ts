import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import path from 'node:path';
import { promisify } from 'node:util';
import { MemoryStore, StoreUnavailableError, type StateStore, type StoreBounds } from '../../src/state/index.js';
import { RedisStore } from '../../src/state/redis.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BOUNDS: StoreBounds = { maxEntries: 100, maxBytes: 64 * 1024, ttlSeconds: 60 };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Each backend against a fresh store (Redis: a flushed server), with these bounds. */
const backends: [string, (bounds: StoreBounds) => Promise<StateStore>][] = [
  ['memory', async (bounds) => new MemoryStore(bounds)],
  [
    'redis',
    async (bounds) => {
      const store = await RedisStore.connect(redis.url, bounds);
      await flush(redis.url);
      return store;
    },
  ],
];

async function flush(url: string): Promise<void> {
  const client = new Redis(url);
  await client.flushall();
  await client.quit();
}

describe.each(backends)('the %s state store', (_name, open) => {
  const stores: StateStore[] = [];
  const store = async (bounds: Partial<StoreBounds> = {}) => {
    const opened = await open({ ...BOUNDS, ...bounds });
    stores.push(opened);
    return opened;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((opened) => opened.close()));
  });

  test('keeps a record for its owner only; deleting it is for its owner too', async () => {
    const s = await store();
    expect(await s.put('response', 'alice', 'resp_1', '{"a":1}')).toEqual({ kept: true, evicted: 0 });
    expect(await s.get('response', 'alice', 'resp_1')).toBe('{"a":1}');
    expect(await s.get('response', 'bob', 'resp_1')).toBeUndefined();
    expect(await s.delete('response', 'bob', 'resp_1')).toBe(false);
    expect(await s.count()).toBe(1);
    expect(await s.delete('response', 'alice', 'resp_1')).toBe(true);
    expect(await s.get('response', 'alice', 'resp_1')).toBeUndefined();
    expect(await s.delete('response', 'alice', 'resp_1')).toBe(false);
    expect(await s.count()).toBe(0);
  });

  test('past maxEntries the oldest records are evicted first', async () => {
    const s = await store({ maxEntries: 3 });
    const evicted: number[] = [];
    for (let i = 1; i <= 5; i += 1) evicted.push((await s.put('response', 'o', `resp_${i}`, `value ${i}`)).evicted);
    expect(evicted).toEqual([0, 0, 0, 1, 1]);
    const kept = await Promise.all([1, 2, 3, 4, 5].map((i) => s.get('response', 'o', `resp_${i}`)));
    expect(kept).toEqual([undefined, undefined, 'value 3', 'value 4', 'value 5']);
    expect(await s.count()).toBe(3);
  });

  test('past maxBytes (UTF-8) the oldest are evicted; a record larger than the bound alone is not kept and evicts nothing; a deleted one frees its bytes', async () => {
    const s = await store({ maxBytes: 1024 });
    // 400 bytes each: 200 two-byte characters.
    const value = (i: number) => `${i}${'é'.repeat(200)}`.slice(0, 200);
    for (let i = 1; i <= 2; i += 1) expect(await s.put('response', 'o', `resp_${i}`, value(i))).toEqual({ kept: true, evicted: 0 });
    expect(await s.delete('response', 'o', 'resp_2')).toBe(true);
    expect(await s.put('response', 'o', 'resp_3', value(3))).toEqual({ kept: true, evicted: 0 });
    expect(await s.put('response', 'o', 'resp_4', value(4))).toEqual({ kept: true, evicted: 1 });
    expect(await s.get('response', 'o', 'resp_1')).toBeUndefined();
    expect(await s.get('response', 'o', 'resp_3')).toBe(value(3));
    expect(await s.put('response', 'o', 'resp_big', 'x'.repeat(2000))).toEqual({ kept: false, evicted: 1 });
    expect(await s.get('response', 'o', 'resp_big')).toBeUndefined();
    expect(await s.get('response', 'o', 'resp_3')).toBe(value(3));
    expect(await s.count()).toBe(2);
  });

  test('a record replaced under the same id counts once', async () => {
    const s = await store({ maxBytes: 1024 });
    for (let i = 0; i < 10; i += 1) expect(await s.put('response', 'o', 'resp_same', 'y'.repeat(600))).toEqual({ kept: true, evicted: 0 });
    expect(await s.count()).toBe(1);
  });

  test('past ttlSeconds a record is gone, and no longer counts against the bounds', async () => {
    const s = await store({ ttlSeconds: 1, maxEntries: 2 });
    await s.put('response', 'o', 'resp_old', 'old');
    await sleep(1200);
    expect(await s.get('response', 'o', 'resp_old')).toBeUndefined();
    expect(await s.put('response', 'o', 'resp_a', 'a')).toEqual({ kept: true, evicted: 0 });
    expect(await s.put('response', 'o', 'resp_b', 'b')).toEqual({ kept: true, evicted: 0 });
    expect(await s.count()).toBe(2);
  });
});

describe('the redis state store with several replicas', () => {
  test('two replicas share the records and the bounds', async () => {
    const [a, b] = await Promise.all([RedisStore.connect(redis.url, { ...BOUNDS, maxEntries: 2 }), RedisStore.connect(redis.url, { ...BOUNDS, maxEntries: 2 })]);
    try {
      await flush(redis.url);
      await a.put('response', 'o', 'resp_1', 'from a');
      expect(await b.get('response', 'o', 'resp_1')).toBe('from a');
      await b.put('response', 'o', 'resp_2', 'from b');
      expect(await a.put('response', 'o', 'resp_3', 'from a again')).toEqual({ kept: true, evicted: 1 });
      expect(await b.get('response', 'o', 'resp_1')).toBeUndefined();
      expect(await b.count()).toBe(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('a Redis that is gone fails the command with a StoreUnavailableError, without hanging', async () => {
    const own = await startRedis();
    const store = await RedisStore.connect(own.url, BOUNDS);
    try {
      await own.stop();
      await expect(store.get('response', 'o', 'resp_1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.put('response', 'o', 'resp_1', 'v')).rejects.toThrow(/the state store \(Redis\) failed/);
    } finally {
      await store.close();
    }
  });
});

describe('the memory state store under load', () => {
  test('filled with 32 times its byte bound: the oldest are evicted and the process stays far below what was written', async () => {
    // Its own process, so the figures are the store's alone: 512 MiB written through a 16 MiB bound.
    const script = `
      const { MemoryStore } = require(${JSON.stringify(path.resolve(__dirname, '../../dist/state/memory.js'))});
      (async () => {
        const MiB = 1024 * 1024;
        const store = new MemoryStore({ maxEntries: 1e6, maxBytes: 16 * MiB, ttlSeconds: 3600 });
        const base = process.memoryUsage().rss;
        let peak = 0, evicted = 0;
        for (let i = 0; i < 8192; i += 1) {
          evicted += (await store.put('response', 'owner', 'resp_' + i, JSON.stringify({ i, text: 'x'.repeat(65536) }))).evicted;
          if (i % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
        }
        global.gc();
        console.log(JSON.stringify({
          written: 8192 * 64 * 1024, growth: peak - base, heap: process.memoryUsage().heapUsed, evicted, count: await store.count(),
          first: (await store.get('response', 'owner', 'resp_0')) !== undefined, last: (await store.get('response', 'owner', 'resp_8191')) !== undefined,
        }));
      })();`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '-e', script]);
    const figures = JSON.parse(stdout) as { written: number; growth: number; heap: number; evicted: number; count: number; first: boolean; last: boolean };
    const MiB = 1024 * 1024;
    expect({ first: figures.first, last: figures.last }).toEqual({ first: false, last: true });
    expect(figures.count * 64 * 1024).toBeLessThanOrEqual(16 * MiB);
    expect(figures.evicted + figures.count).toBe(8192);
    // Live data is the bound; what V8 has not yet collected comes on top, but never what was written.
    expect(figures.heap).toBeLessThan(48 * MiB);
    expect(figures.growth).toBeLessThan(figures.written / 2);
    console.log(`memory store: ${figures.written / MiB} MiB written through a 16 MiB bound; RSS grew at most ${Math.round(figures.growth / MiB)} MiB, heap after GC ${Math.round(figures.heap / MiB)} MiB`);
  });
});
