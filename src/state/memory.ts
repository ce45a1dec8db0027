import type { Put, RecordKind, StateStore, StoreBounds } from './store.js';

interface Entry {
  value: string;
  bytes: number;
  expiresAt: number;
}

/**
 * Records in this process: a Map in insertion order, which is also age and expiry order (one TTL
 * for all), so the oldest are evicted and the expired dropped from its front. Gone on restart, and
 * not shared by replicas.
 */
export class MemoryStore implements StateStore {
  readonly backend = 'memory';
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly bounds: StoreBounds,
    private readonly now: () => number = Date.now,
  ) {}

  get ttlSeconds(): number {
    return this.bounds.ttlSeconds;
  }

  async put(kind: RecordKind, owner: string, id: string, value: string): Promise<Put> {
    const key = keyOf(kind, owner, id);
    this.remove(key);
    this.dropExpired();
    const bytes = Buffer.byteLength(value);
    // Larger than the bound on its own: not kept, and nothing else is evicted for it.
    if (bytes > this.bounds.maxBytes) return { kept: false, evicted: 1 };
    this.entries.set(key, { value, bytes, expiresAt: this.now() + this.bounds.ttlSeconds * 1000 });
    this.bytes += bytes;
    let evicted = 0;
    while (this.entries.size > this.bounds.maxEntries || this.bytes > this.bounds.maxBytes) {
      this.remove(this.entries.keys().next().value as string);
      evicted += 1;
    }
    return { kept: true, evicted };
  }

  async get(kind: RecordKind, owner: string, id: string): Promise<string | undefined> {
    const key = keyOf(kind, owner, id);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry.value;
    this.remove(key);
    return undefined;
  }

  async delete(kind: RecordKind, owner: string, id: string): Promise<boolean> {
    const key = keyOf(kind, owner, id);
    const live = (this.entries.get(key)?.expiresAt ?? 0) > this.now();
    this.remove(key);
    return live;
  }

  async count(): Promise<number> {
    this.dropExpired();
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.remove(key);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

/** One key per kind, owner and id: another owner's id is simply not there. */
function keyOf(kind: RecordKind, owner: string, id: string): string {
  return `${kind}\u0000${owner}\u0000${id}`;
}
