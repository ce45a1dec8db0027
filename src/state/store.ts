/**
 * State that outlives a request: small records keyed by id, owned by an API key, bounded in
 * number, bytes and age, the oldest evicted first. Stored responses (an agent's conversation)
 * are one kind; every kind shares the bounds.
 */

/** What a record is; keys of different kinds never meet. */
export type RecordKind = 'response';

export interface StateStore {
  /** Where the records live, for logs and errors: `memory` or `redis`. */
  readonly backend: 'memory' | 'redis';
  /**
   * Keeps `value` under `id` for `owner` (replacing any), then evicts the oldest records past the
   * entries or bytes bound; resolves to how many it evicted.
   */
  put(kind: RecordKind, owner: string, id: string, value: string): Promise<number>;
  /** The value, when `owner` stored it and it is neither expired, evicted nor deleted. */
  get(kind: RecordKind, owner: string, id: string): Promise<string | undefined>;
  /** Whether there was such a record (only its owner can delete it). */
  delete(kind: RecordKind, owner: string, id: string): Promise<boolean>;
  /** Records held now, every kind and owner (for the metrics). */
  count(): Promise<number>;
  close(): Promise<void>;
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
  /** Records dropped to keep the entries or bytes bound (expiry by age is not counted). */
  evicted(count: number): void;
}

/** The same store, reporting to `observer`: every backend is observed alike without knowing of metrics. */
export function observed(store: StateStore, observer: StoreObserver): StateStore {
  return {
    backend: store.backend,
    async put(kind, owner, id, value) {
      const evicted = await store.put(kind, owner, id, value);
      observer.stored(kind);
      if (evicted > 0) observer.evicted(evicted);
      return evicted;
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
