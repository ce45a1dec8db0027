import { Redis } from 'ioredis';
import { log } from '../log.js';
import { StoreUnavailableError } from './errors.js';
import type { RecordKind, StateStore, StoreBounds } from './store.js';

/**
 * Every key in one hash slot (`{…}`), so the scripts touch only keys of one node. The index is a
 * sorted set of `<bytes>|<record key>` scored by expiry time: one TTL for all, so it is also age
 * order; `bytes` is the sum of the values' sizes.
 */
const PREFIX = 'mcp-model-shim:{state}:';
const INDEX = `${PREFIX}index`;
const TOTAL = `${PREFIX}bytes`;

/**
 * Stores a record and evicts the oldest past the bounds, atomically, on Redis's clock (replicas'
 * clocks may differ). Records Redis expired by their TTL leave the index and the byte count first.
 */
const PUT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local record, index, total = KEYS[1], KEYS[2], KEYS[3]
local value, ttl, maxEntries, maxBytes = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
for _, member in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now)) do
  redis.call('DECRBY', total, tonumber(string.match(member, '^(%d+)|')))
end
redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
local old = redis.call('STRLEN', record)
if old > 0 and redis.call('ZREM', index, old .. '|' .. record) == 1 then redis.call('DECRBY', total, old) end
redis.call('SET', record, value, 'PX', ttl)
redis.call('ZADD', index, now + ttl, #value .. '|' .. record)
local bytes = redis.call('INCRBY', total, #value)
local evicted = 0
while redis.call('ZCARD', index) > maxEntries or bytes > maxBytes do
  local member = redis.call('ZPOPMIN', index)[1]
  local size = string.match(member, '^(%d+)|')
  redis.call('DEL', string.sub(member, #size + 2))
  bytes = redis.call('DECRBY', total, tonumber(size))
  evicted = evicted + 1
end
return evicted
`;

const DELETE = `
local record, index, total = KEYS[1], KEYS[2], KEYS[3]
local size = redis.call('STRLEN', record)
if size == 0 then return 0 end
redis.call('DEL', record)
if redis.call('ZREM', index, size .. '|' .. record) == 1 then redis.call('DECRBY', total, size) end
return 1
`;

type Scripted = Redis & {
  statePut(record: string, index: string, total: string, value: string, ttlMs: number, maxEntries: number, maxBytes: number): Promise<number>;
  stateDelete(record: string, index: string, total: string): Promise<number>;
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

  static async connect(url: string, bounds: StoreBounds): Promise<RedisStore> {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: COMMAND_TIMEOUT_MS }) as Scripted;
    redis.defineCommand('statePut', { numberOfKeys: 3, lua: PUT });
    redis.defineCommand('stateDelete', { numberOfKeys: 3, lua: DELETE });
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

  put(kind: RecordKind, owner: string, id: string, value: string): Promise<number> {
    const { ttlSeconds, maxEntries, maxBytes } = this.bounds;
    return this.command(() => this.redis.statePut(keyOf(kind, owner, id), INDEX, TOTAL, value, ttlSeconds * 1000, maxEntries, maxBytes));
  }

  async get(kind: RecordKind, owner: string, id: string): Promise<string | undefined> {
    return (await this.command(() => this.redis.get(keyOf(kind, owner, id)))) ?? undefined;
  }

  async delete(kind: RecordKind, owner: string, id: string): Promise<boolean> {
    return (await this.command(() => this.redis.stateDelete(keyOf(kind, owner, id), INDEX, TOTAL))) === 1;
  }

  count(): Promise<number> {
    return this.command(() => this.redis.zcount(INDEX, `(${Date.now()}`, '+inf'));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async command<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(`the state store (Redis) failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function keyOf(kind: RecordKind, owner: string, id: string): string {
  return `${PREFIX}${kind}:${owner}:${id}`;
}
