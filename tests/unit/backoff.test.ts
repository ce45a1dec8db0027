import { Reconnector } from '../../src/upstreams/backoff.js';

describe('Reconnector', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** A reconnector whose attempts keep failing, and how many attempts it made. */
  function failing() {
    let attempts = 0;
    const reconnector: Reconnector = new Reconnector('pg', async () => {
      attempts += 1;
      reconnector.failed('still down');
    });
    return { reconnector, attempts: () => attempts };
  }

  test('retries with back-off doubling from 0.5 s; Retry-After is the wait until the next attempt', () => {
    const { reconnector, attempts } = failing();
    reconnector.failed('connection refused');
    expect(reconnector.health()).toEqual({ state: 'down', restarts: 0, lastError: 'connection refused' });
    expect(reconnector.retryAfterSeconds()).toBe(1);
    jest.advanceTimersByTime(500);
    expect(attempts()).toBe(1);
    // The next attempt is 1 s away, then 2 s, then 4 s.
    expect(reconnector.retryAfterSeconds()).toBe(1);
    jest.advanceTimersByTime(1000);
    expect(reconnector.retryAfterSeconds()).toBe(2);
    jest.advanceTimersByTime(1000);
    expect(attempts()).toBe(2);
    expect(reconnector.retryAfterSeconds()).toBe(1);
    jest.advanceTimersByTime(1000);
    expect(attempts()).toBe(3);
    expect(reconnector.retryAfterSeconds()).toBe(4);
    expect(reconnector.health()).toEqual({ state: 'down', restarts: 3, lastError: 'still down' });
    reconnector.close();
  });

  test('the wait stops growing at 30 s', () => {
    const { reconnector } = failing();
    reconnector.failed('down');
    // 0.5, 1, 2, 4, 8, 16 s, then 30 s each time: run attempts until well past the cap.
    for (let guard = 0; reconnector.health().restarts < 9 && guard < 100; guard += 1) jest.advanceTimersToNextTimer();
    expect(reconnector.health().restarts).toBe(9);
    expect(reconnector.retryAfterSeconds()).toBe(30);
    reconnector.close();
  });

  test('with no attempt scheduled (ready, or closed), Retry-After is 1 s', () => {
    const { reconnector, attempts } = failing();
    reconnector.ready();
    expect(reconnector.retryAfterSeconds()).toBe(1);
    reconnector.failed('down');
    reconnector.close();
    jest.advanceTimersByTime(60_000);
    expect(attempts()).toBe(0);
    expect(reconnector.retryAfterSeconds()).toBe(1);
  });
});
