import { Redis } from 'ioredis';
import { log } from '../log.js';
import { StoreUnavailableError } from './errors.js';
import type { Put, RecordKind, StateStore, StoreBounds } from './store.js';

/**
 * Every key in one hash slot (`{…}`), so the scripts touch only keys of one node. The index is a
 * sorted set of record keys scored by a counter, so its front is the oldest; `sizes` holds each
 * record's bytes and `bytes` their sum.
 */
const PREFIX = 'mcp-model-shim:{state}:';
const BOOKKEEPING = ['index', 'sizes', 'bytes', 'sequence'].map((name) => PREFIX + name);

/**
 * Shared by the scripts: `forget` takes a record out of the bookkeeping; `sweep` forgets the records
 * Redis has expired, which are at the front of the index (one TTL for all).
 */
const COMMON = `
local index, sizes, total, sequence = KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local function forget(key)
  local size = tonumber(redis.call('HGET', sizes, key) or '0')
  redis.call('HDEL', sizes, key)
  redis.call('ZREM', index, key)
  return redis.call('DECRBY', total, size)
end
local function sweep()
  while true do
    local front = redis.call('ZRANGE', index, 0, 0)[1]
    if not front or redis.call('EXISTS', front) == 1 then return end
    forget(front)
  end
end
`;

/**
 * Stores a record, then evicts the oldest past the bounds, atomically: replicas share the bounds.
 * A record larger than maxBytes on its own is not kept, and evicts nothing else.
 */
const PUT = `${COMMON}
local record, value, ttl, maxEntries, maxBytes = KEYS[1], ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
sweep()
if redis.call('ZSCORE', index, record) then
  redis.call('DEL', record)
  forget(record)
end
if #value > maxBytes then return {0, 1} end
redis.call('SET', record, value, 'PX', ttl)
redis.call('ZADD', index, redis.call('INCR', sequence), record)
redis.call('HSET', sizes, record, #value)
local bytes = redis.call('INCRBY', total, #value)
local evicted = 0
while redis.call('ZCARD', index) > maxEntries or bytes > maxBytes do
  local oldest = redis.call('ZRANGE', index, 0, 0)[1]
  redis.call('DEL', oldest)
  bytes = forget(oldest)
  evicted = evicted + 1
end
return {1, evicted}
`;

const DELETE = `${COMMON}
local record = KEYS[1]
if not redis.call('ZSCORE', index, record) then return 0 end
local live = redis.call('DEL', record)
forget(record)
return live
`;

const COUNT = `${COMMON}
sweep()
return redis.call('ZCARD', index)
`;

type Keys = [record: string, index: string, sizes: string, bytes: string, sequence: string];
type Scripted = Redis & {
  /** [kept (0 or 1), evicted] */
  statePut(...args: [...Keys, value: string, ttlMs: number, maxEntries: number, maxBytes: number]): Promise<[number, number]>;
  stateDelete(...keys: Keys): Promise<number>;
  stateCount(...keys: Keys): Promise<number>;
};

/** How long a command may wait for Redis; then the request needing it fails (503), it does not hang. */
const COMMAND_TIMEOUT_MS = 2000;
/** How long start-up waits for the first connection before serving anyway (the store reconnects on its own). */
const FIRST_CONNECT_MS = 5000;

/** Records in Redis, shared by every replica that names the same server. */
export class RedisStore implements StateStore {
  readonly backend = 'redis';

  private constructor(
    private readonly redis: Scripted,
    private readonly bounds: StoreBounds,
  ) {}

  get ttlSeconds(): number {
    return this.bounds.ttlSeconds;
  }

  static async connect(url: string, bounds: StoreBounds): Promise<RedisStore> {
    // A connection that is down is dropped at once on close: shutdown does not wait for it.
    const options = { maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: COMMAND_TIMEOUT_MS, disconnectTimeout: 100 };
    const redis = new Redis(url, options) as Scripted;
    redis.defineCommand('statePut', { numberOfKeys: 5, lua: PUT });
    redis.defineCommand('stateDelete', { numberOfKeys: 5, lua: DELETE });
    redis.defineCommand('stateCount', { numberOfKeys: 5, lua: COUNT });
    // One line per outage, not one per reconnection attempt.
    let down = false;
    redis.on('ready', () => {
      if (down) log.info('state store reachable again', { backend: 'redis' });
      down = false;
    });
    redis.on('error', (err: Error) => {
      if (!down) log.warn('state store unreachable', { backend: 'redis', error: err.message });
      down = true;
    });
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), FIRST_CONNECT_MS);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!(await ready)) log.error('state store not reachable at start-up; calls that need it answer 503 until it is', { backend: 'redis' });
    return new RedisStore(redis, bounds);
  }

  async put(kind: RecordKind, owner: string, id: string, value: string): Promise<Put> {
    const { ttlSeconds, maxEntries, maxBytes } = this.bounds;
    const [kept, evicted] = await this.command(() => this.redis.statePut(...keys(kind, owner, id), value, ttlSeconds * 1000, maxEntries, maxBytes));
    return { kept: kept === 1, evicted };
  }

  async get(kind: RecordKind, owner: string, id: string): Promise<string | undefined> {
    return (await this.command(() => this.redis.get(keys(kind, owner, id)[0]))) ?? undefined;
  }

  async delete(kind: RecordKind, owner: string, id: string): Promise<boolean> {
    return (await this.command(() => this.redis.stateDelete(...keys(kind, owner, id)))) === 1;
  }

  count(): Promise<number> {
    // The record key is not used; the scripts all take the same keys.
    return this.command(() => this.redis.stateCount(...keys('response', '', '')));
  }

  /** A clean QUIT when connected; otherwise no more reconnection attempts. */
  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`the state store (Redis) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** A record's key, then the bookkeeping's. */
function keys(kind: RecordKind, owner: string, id: string): Keys {
  return [`${PREFIX}${kind}:${owner}:${id}`, ...BOOKKEEPING] as Keys;
}
