import NodeEnvironment from 'jest-environment-node';
import type { Circus } from '@jest/types';

/**
 * Jest's node environment, counting the process's unhandled rejections and uncaught exceptions.
 * Inside a test, `process` is a sandboxed copy: listeners on it never fire, because jest-circus
 * takes the real process's `unhandledRejection` and `uncaughtException` over while a test runs and
 * reports each as an `error` event. Those events are counted here, on the real process's side,
 * and exposed to the test as `globalThis.__processErrors`.
 */
export default class ProcessErrorsEnvironment extends NodeEnvironment {
  private readonly errors: string[] = [];

  override async setup(): Promise<void> {
    await super.setup();
    this.global.__processErrors = this.errors;
  }

  handleTestEvent(event: Circus.Event): void {
    if (event.name === 'error') this.errors.push(String((event.error as Error)?.stack ?? event.error));
  }
}
