/**
 * Upstream failures, sorted by the one question that matters to a caller: may the tool have run?
 * These know nothing about HTTP; `openai/errors.ts` maps them to statuses.
 */
export abstract class UpstreamError extends Error {
  abstract readonly mayHaveRun: boolean;
  constructor(
    readonly upstream: string,
    message: string,
  ) {
    super(message);
  }
}

/** The call never reached the server: it is down, starting, or refused the connection. */
export class UpstreamUnavailableError extends UpstreamError {
  override name = 'UpstreamUnavailableError';
  readonly mayHaveRun = false;
  constructor(
    upstream: string,
    message: string,
    /** When the next reconnection attempt is due; sent as `Retry-After`. */
    readonly retryAfterSeconds = 1,
  ) {
    super(upstream, message);
  }
}

/** Too many calls already running and waiting on this upstream; this one was not sent. */
export class UpstreamBusyError extends UpstreamError {
  override name = 'UpstreamBusyError';
  readonly mayHaveRun = false;
}

/** The server refused the call before running it (for example, arguments it rejects). */
export class UpstreamRejectedError extends UpstreamError {
  override name = 'UpstreamRejectedError';
  readonly mayHaveRun = false;
}

/** The upstream name of the `llm` section's endpoint in errors. */
export const LLM = 'llm';

/**
 * The LLM (asked for arguments, or thinking for an agent) failed, timed out or refused the
 * request. Nothing of its own ran: 502, 504 when it timed out, 400 when it refused (a 4xx).
 */
export class LlmFailedError extends UpstreamError {
  override name = 'LlmFailedError';
  readonly mayHaveRun = false;
  constructor(
    message: string,
    readonly timedOut = false,
    /** The LLM answered 4xx: the request was wrong for it, retrying will not help. */
    readonly refused = false,
  ) {
    super(LLM, message);
  }
}

/** The call was sent and then failed or was lost: it may have run. */
export class UpstreamFailedError extends UpstreamError {
  override name = 'UpstreamFailedError';
  readonly mayHaveRun = true;
}

/**
 * The tool answered with a message over the server's `maxMessageBytes`: it ran, but its answer
 * was not read. The same call would get the same answer, so nobody should retry it.
 */
export class ResultTooLargeError extends UpstreamError {
  override name = 'ResultTooLargeError';
  readonly mayHaveRun = true;
  constructor(
    upstream: string,
    tool: string,
    /** The message's size in bytes, or at least this many when it was not read to its end. */
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      upstream,
      `upstream "${upstream}" answered tool "${tool}" with a message of ${bytes} bytes, over its limit of ${limit} bytes (maxMessageBytes); ` +
        'the tool ran, but its answer was not read. Ask for less (a narrower query, a LIMIT), or raise maxMessageBytes for this server',
    );
  }
}

/** No answer within the tool's time limit: it may still be running. */
export class UpstreamTimeoutError extends UpstreamError {
  override name = 'UpstreamTimeoutError';
  readonly mayHaveRun = true;
  constructor(upstream: string, readonly timeoutMs: number) {
    super(upstream, `upstream "${upstream}" did not answer within ${timeoutMs / 1000} s`);
  }
}

/** The HTTP client went away and the call was cancelled; nobody is waiting for an answer. */
export class CallCancelledError extends UpstreamError {
  override name = 'CallCancelledError';
  readonly mayHaveRun = true;
  constructor(upstream: string) {
    super(upstream, `call to upstream "${upstream}" was cancelled by the client`);
  }
}

/**
 * An answer to an older server's question whose call is no longer held: the server stopped
 * waiting, the call reached its time limit, the connection went, or another replica holds it.
 * The answer went nowhere; nothing ran with it.
 */
export class QuestionClosedError extends UpstreamError {
  override name = 'QuestionClosedError';
  readonly mayHaveRun = false;
  constructor(upstream: string, tool: string) {
    super(
      upstream,
      `the question of tool "${tool}" is no longer open: upstream "${upstream}" stopped waiting for the answer (its time limit, or its connection ended), ` +
        'or another replica holds the call. Nothing ran with this answer; call the tool again in a new conversation',
    );
  }
}

/**
 * The tool stopped at a question for the person, and this way of calling (a program's JSON, the
 * CLI) has no turn to ask it in. What the tool did before it asked is its own: it may have run.
 */
export class InputNotCarriedError extends UpstreamError {
  override name = 'InputNotCarriedError';
  readonly mayHaveRun = true;
  constructor(upstream: string, tool: string, question: string) {
    super(
      upstream,
      `tool "${tool}" asks the person a question ("${question}"), which this way of calling cannot carry. ` +
        'Call it through chat completions or the Responses API, where its question is asked as a chat turn and the next message answers it',
    );
  }
}
