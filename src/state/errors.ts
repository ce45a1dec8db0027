import { UpstreamUnavailableError } from '../upstreams/errors.js';

/** The upstream name of the state store in errors. */
export const STATE = 'state';

/** The store could not be read or written: nothing ran because of it, so a retry is safe (503). */
export class StoreUnavailableError extends UpstreamUnavailableError {
  override name = 'StoreUnavailableError';
  constructor(message: string) {
    super(STATE, message, 1);
  }
}
