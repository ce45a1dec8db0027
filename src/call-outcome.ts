import { RequestError } from './errors.js';
import {
  CallCancelledError,
  UpstreamBusyError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstreams/errors.js';
import type { CallToolResult } from './upstreams/types.js';

/**
 * How a tool call ended, in words an operator can alert on. `rejected`: the arguments were
 * refused (by the shim's validation or the server); `unavailable` and `busy`: nothing was sent;
 * `failed` and `timeout`: sent, may have run; `cancelled`: the caller went away.
 */
export type CallOutcome = 'success' | 'tool_error' | 'rejected' | 'unavailable' | 'failed' | 'timeout' | 'busy' | 'cancelled';

export const CALL_OUTCOMES: readonly CallOutcome[] = ['success', 'tool_error', 'rejected', 'unavailable', 'failed', 'timeout', 'busy', 'cancelled'];

/** Told of every call the shim makes for a request (metrics); the CLI's calls go unobserved. */
export interface CallObserver {
  /** A call is about to be queued or sent; the returned function is told how it ended. */
  started(tool: { name: string; upstream: { name: string } }): (outcome: CallOutcome) => void;
  /** The shim's own validation refused the arguments: nothing was sent. */
  rejected(tool: { name: string; upstream: { name: string } }): void;
}

export const NO_OBSERVER: CallObserver = {
  started: () => () => undefined,
  rejected: () => undefined,
};

export function resultOutcome(result: CallToolResult): CallOutcome {
  return result.isError ? 'tool_error' : 'success';
}

export function errorOutcome(err: unknown): CallOutcome {
  if (err instanceof UpstreamUnavailableError) return 'unavailable';
  if (err instanceof UpstreamBusyError) return 'busy';
  if (err instanceof CallCancelledError) return 'cancelled';
  if (err instanceof UpstreamTimeoutError) return 'timeout';
  if (err instanceof UpstreamRejectedError || err instanceof RequestError) return 'rejected';
  return 'failed';
}
