import { DEFAULT_STATE_MAX_BYTES, DEFAULT_STATE_MAX_ENTRIES, DEFAULT_STATE_TTL_SECONDS, type StateConfig } from '../config/types.js';
import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import { observed, type StateStore, type StoreBounds, type StoreObserver } from './store.js';

export type { RecordKind, StateStore, StoreBounds, StoreObserver } from './store.js';
export { StoreUnavailableError } from './errors.js';
export { MemoryStore } from './memory.js';

export function storeBounds(config: StateConfig = {}): StoreBounds {
  return {
    maxEntries: config.maxEntries ?? DEFAULT_STATE_MAX_ENTRIES,
    maxBytes: config.maxBytes ?? DEFAULT_STATE_MAX_BYTES,
    ttlSeconds: config.ttlSeconds ?? DEFAULT_STATE_TTL_SECONDS,
  };
}

/** The `state` section's store: Redis when it names one, else this process's memory. */
export async function createStore(config: StateConfig = {}, observer?: StoreObserver): Promise<StateStore> {
  const bounds = storeBounds(config);
  const store = config.redisUrl ? await RedisStore.connect(config.redisUrl, bounds) : new MemoryStore(bounds);
  return observer ? observed(store, observer) : store;
}
