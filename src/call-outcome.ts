import { RequestError } from './errors.js';
import {
  CallCancelledError,
  QuestionClosedError,
  ResultTooLargeError,
  UpstreamBusyError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from './upstreams/errors.js';
import type { CallToolResult, UpstreamKind } from './upstreams/types.js';

/**
 * How a tool call ended, in words an operator can alert on. `rejected`: the arguments were
 * refused (by the shim's validation or the server); `unavailable` and `busy`: nothing was sent;
 * `failed` and `timeout`: sent, may have run; `too_large`: ran, and answered over `maxMessageBytes`;
 * `cancelled`: the caller went away; `asked`: the tool stopped at a question for the person (its
 * answer resumes the call, counted again).
 */
export type CallOutcome = 'success' | 'tool_error' | 'rejected' | 'unavailable' | 'failed' | 'timeout' | 'too_large' | 'busy' | 'cancelled' | 'asked';

export const CALL_OUTCOMES: readonly CallOutcome[] = ['success', 'tool_error', 'rejected', 'unavailable', 'failed', 'timeout', 'too_large', 'busy', 'cancelled', 'asked'];

/** What an observer needs to know of a tool: its names and its upstream's transport. */
export interface ObservedTool {
  /** The exposed name. */
  name: string;
  /** The name the upstream knows it by. */
  definition: { name: string };
  upstream: { name: string; kind: UpstreamKind; sessionId?: string };
}

/** One call being watched. */
export interface CallWatch {
  /** W3C trace context (`traceparent`, `tracestate`) to send with the call, when tracing is on. */
  readonly traceContext?: Record<string, string>;
  ended(outcome: CallOutcome, result?: CallToolResult): void;
}

/** Told of every call the shim makes for a request (metrics, traces); the CLI's calls go unobserved. */
export interface CallObserver {
  /** A call is about to be queued or sent. */
  started(tool: ObservedTool, args: Record<string, unknown>): CallWatch;
  /** The shim's own validation refused the arguments: nothing was sent. */
  rejected(tool: ObservedTool): void;
}

const UNWATCHED: CallWatch = { ended: () => undefined };

export const NO_OBSERVER: CallObserver = {
  started: () => UNWATCHED,
  rejected: () => undefined,
};

/** Several observers as one; the trace context comes from whichever gives one. */
export function allOf(observers: (CallObserver | undefined)[]): CallObserver {
  const present = observers.filter((observer): observer is CallObserver => observer !== undefined);
  if (present.length <= 1) return present[0] ?? NO_OBSERVER;
  return {
    started(tool, args) {
      const watches = present.map((observer) => observer.started(tool, args));
      return {
        traceContext: watches.find((watch) => watch.traceContext)?.traceContext,
        ended: (outcome, result) => watches.forEach((watch) => watch.ended(outcome, result)),
      };
    },
    rejected: (tool) => present.forEach((observer) => observer.rejected(tool)),
  };
}

export function resultOutcome(result: CallToolResult): CallOutcome {
  return result.isError ? 'tool_error' : 'success';
}

export function errorOutcome(err: unknown): CallOutcome {
  if (err instanceof UpstreamUnavailableError) return 'unavailable';
  if (err instanceof UpstreamBusyError) return 'busy';
  if (err instanceof CallCancelledError) return 'cancelled';
  if (err instanceof UpstreamTimeoutError) return 'timeout';
  if (err instanceof ResultTooLargeError) return 'too_large';
  if (err instanceof UpstreamRejectedError || err instanceof RequestError || err instanceof QuestionClosedError) return 'rejected';
  return 'failed';
}
