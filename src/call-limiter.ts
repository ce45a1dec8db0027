import { CallCancelledError, UpstreamBusyError } from './upstreams/errors.js';

/**
 * At most `maxConcurrent` calls run on one upstream; up to `maxQueued` more wait their turn.
 * Beyond that a call is refused at once — before anything is sent, so retrying it is safe.
 */
export class CallLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** Told when the last call ends (see `idle`). */
  private readonly idlers = new Set<() => void>();

  constructor(
    private readonly upstream: string,
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
  ) {}

  async run<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.maxConcurrent) await this.wait(signal);
    else this.active += 1;
    try {
      return await call();
    } finally {
      // Hand the slot straight to the next waiter, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
      if (this.active === 0 && this.idlers.size > 0) for (const idler of this.idlers) idler();
    }
  }

  /** Whether these are the bounds it enforces. */
  hasBounds(maxConcurrent: number, maxQueued: number): boolean {
    return this.maxConcurrent === maxConcurrent && this.maxQueued === maxQueued;
  }

  /** Resolves once no call runs or waits, or after `ms`, whichever comes first. */
  idle(ms: number): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idlers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.idlers.add(done);
    });
  }

  private wait(signal?: AbortSignal): Promise<void> {
    if (this.waiting.length >= this.maxQueued) {
      return Promise.reject(new UpstreamBusyError(this.upstream, `upstream "${this.upstream}" is busy (${this.maxConcurrent} calls running, ${this.maxQueued} waiting); the call was not sent`));
    }
    return new Promise((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        this.waiting.splice(this.waiting.indexOf(turn), 1);
        reject(new CallCancelledError(this.upstream));
      };
      this.waiting.push(turn);
      signal?.addEventListener('abort', leave, { once: true });
    });
  }
}
