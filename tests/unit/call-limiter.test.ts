import { CallLimiter } from '../../src/call-limiter.js';
import { CallCancelledError, UpstreamBusyError } from '../../src/upstreams/errors.js';

/** A call that finishes when told to. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, call: () => opened.then(() => 'done') };
}

describe('CallLimiter', () => {
  test('runs at most maxConcurrent at once, queues the next, refuses beyond the queue', async () => {
    const limiter = new CallLimiter('db', 1, 1);
    const first = gate();
    const started: string[] = [];
    const a = limiter.run(() => (started.push('a'), first.call()));
    const b = limiter.run(async () => (started.push('b'), 'b'));
    await expect(limiter.run(async () => 'c')).rejects.toBeInstanceOf(UpstreamBusyError);
    expect(started).toEqual(['a']);
    first.open();
    await expect(a).resolves.toBe('done');
    await expect(b).resolves.toBe('b');
    expect(started).toEqual(['a', 'b']);
    // Every slot is free again.
    await expect(Promise.all([limiter.run(async () => 1), limiter.run(async () => 2)])).resolves.toEqual([1, 2]);
  });

  test('a failing call frees its slot', async () => {
    const limiter = new CallLimiter('db', 1, 0);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
  });

  test('a queued call whose client went away leaves the queue without running', async () => {
    const limiter = new CallLimiter('db', 1, 1);
    const first = gate();
    const a = limiter.run(first.call);
    const controller = new AbortController();
    let ran = false;
    const b = limiter.run(async () => (ran = true), controller.signal);
    controller.abort();
    await expect(b).rejects.toBeInstanceOf(CallCancelledError);
    // Its place in the queue is free for another.
    const c = limiter.run(async () => 'c');
    first.open();
    await a;
    await expect(c).resolves.toBe('c');
    expect(ran).toBe(false);
  });
});
