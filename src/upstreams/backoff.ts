import { log } from '../log.js';
import { redact } from '../secrets.js';
import type { UpstreamHealth, UpstreamState } from './types.js';

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** A connection that stayed up this long starts its next back-off from the minimum again. */
const STABLE_AFTER_MS = 60_000;

/**
 * Connection state plus reconnection with exponential back-off (0.5 s doubling to 30 s).
 * `attempt` reconnects and must call `ready()` on success; it is retried until `close()`.
 */
export class Reconnector {
  private state: UpstreamState = 'connecting';
  private restarts = 0;
  private lastError: string | undefined;
  private delayMs = MIN_DELAY_MS;
  private readySince = 0;
  private timer: NodeJS.Timeout | undefined;
  private nextAttemptAt = 0;
  private closed = false;

  constructor(
    private readonly upstream: string,
    private readonly attempt: () => Promise<void>,
  ) {}

  get isReady(): boolean {
    return this.state === 'ready';
  }

  ready(): void {
    this.state = 'ready';
    this.readySince = Date.now();
  }

  /** Marks the upstream down and schedules the next attempt. */
  failed(reason: string): void {
    if (this.closed) return;
    if (this.state === 'ready' && Date.now() - this.readySince >= STABLE_AFTER_MS) this.delayMs = MIN_DELAY_MS;
    this.state = 'down';
    this.lastError = reason;
    if (this.timer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
    this.nextAttemptAt = Date.now() + delay;
    log.warn('upstream down; reconnecting', { upstream: this.upstream, reason, retryInMs: delay });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.restarts += 1;
      this.state = 'connecting';
      // A failed attempt reports through failed() itself, which schedules the next one.
      this.attempt().catch(() => undefined);
    }, delay);
    this.timer.unref();
  }

  /** Whole seconds until the next attempt (at least 1): the `Retry-After` of a call refused meanwhile. */
  retryAfterSeconds(): number {
    if (!this.timer) return 1;
    return Math.max(1, Math.ceil((this.nextAttemptAt - Date.now()) / 1000));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  health(): UpstreamHealth {
    return { state: this.state, restarts: this.restarts, ...(this.lastError ? { lastError: redact(this.lastError) } : {}) };
  }
}
