/**
 * State that outlives a request: small records keyed by id, owned by an API key, bounded in
 * number, bytes and age, the oldest evicted first. Stored responses (an agent's conversation)
 * are one kind; every kind shares the bounds.
 */

/** What a record is (an agent's stored response, a tool's open question); keys of different kinds never meet. */
export type RecordKind = 'response' | 'question';

export interface StateStore {
  /** Where the records live, for logs and errors: `memory` or `redis`. */
  readonly backend: 'memory' | 'redis';
  /** How long a record is kept (`state.ttlSeconds`), for messages that say when something expires. */
  readonly ttlSeconds: number;
  /**
   * Keeps `value` under `id` for `owner` (replacing any), then evicts the oldest records past the
   * entries or bytes bound. A value larger than maxBytes on its own is not kept (and counts as evicted).
   */
  put(kind: RecordKind, owner: string, id: string, value: string): Promise<Put>;
  /** The value, when `owner` stored it and it is neither expired, evicted nor deleted. */
  get(kind: RecordKind, owner: string, id: string): Promise<string | undefined>;
  /** Whether there was such a record (only its owner can delete it). */
  delete(kind: RecordKind, owner: string, id: string): Promise<boolean>;
  /** Records held now, every kind and owner (for the metrics). */
  count(): Promise<number>;
  close(): Promise<void>;
}

export interface Put {
  kept: boolean;
  /** Records dropped to keep the bounds, the value itself included when it was not kept. */
  evicted: number;
}

export interface StoreBounds {
  maxEntries: number;
  /** UTF-8 bytes of the values. */
  maxBytes: number;
  ttlSeconds: number;
}

/** Told of what the store does (metrics); it never sees a value. */
export interface StoreObserver {
  stored(kind: RecordKind): void;
  hit(kind: RecordKind): void;
  miss(kind: RecordKind): void;
  /** Records dropped to keep the entries or bytes bound, or too large to keep (expiry by age is not counted). */
  evicted(count: number): void;
}

/** The same store, reporting to `observer`: every backend is observed alike without knowing of metrics. */
export function observed(store: StateStore, observer: StoreObserver): StateStore {
  return {
    backend: store.backend,
    ttlSeconds: store.ttlSeconds,
    async put(kind, owner, id, value) {
      const put = await store.put(kind, owner, id, value);
      if (put.kept) observer.stored(kind);
      if (put.evicted > 0) observer.evicted(put.evicted);
      return put;
    },
    async get(kind, owner, id) {
      const value = await store.get(kind, owner, id);
      if (value === undefined) observer.miss(kind);
      else observer.hit(kind);
      return value;
    },
    delete: (kind, owner, id) => store.delete(kind, owner, id),
    count: () => store.count(),
    close: () => store.close(),
  };
}
