import { RequestError, UnknownResponseError, UnknownToolError } from '../errors.js';
import { redact } from '../secrets.js';
import { STATE } from '../state/errors.js';
import { CallCancelledError, InputNotCarriedError, LLM, QuestionClosedError, LlmFailedError, ResultTooLargeError, UpstreamBusyError, UpstreamError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../upstreams/errors.js';

/** OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface ErrorResponse {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
}

/** Status 499 (nginx's "client closed request"): logged, never seen by anyone. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * 424 Failed Dependency: the tool may have run, and a repeat may not be harmless. LiteLLM's
 * router retries 5xx (3 calls with a pasted `model_list`) and the openai clients retry
 * 408/409/429/5xx; neither retries a 424, and LiteLLM passes the status through.
 */
export const MAY_HAVE_RUN = 424;

export interface ErrorContext {
  /** The tool is annotated read-only or idempotent (see retry-safety.ts); unknown counts as unsafe. */
  retrySafe?: boolean;
}

/**
 * The single mapping from any failure to an HTTP status and OpenAI error body. Unknown errors
 * become a 500 without details: stack traces and messages from libraries may hold secrets.
 */
export function toErrorResponse(err: unknown, { retrySafe = false }: ErrorContext = {}): ErrorResponse {
  if (err instanceof RequestError) return respond(400, 'invalid_request_error', err.message, err.param, err.code);
  if (err instanceof UnknownToolError) return respond(404, 'invalid_request_error', err.message, 'model', 'model_not_found');
  if (err instanceof UnknownResponseError) return respond(404, 'invalid_request_error', err.message, null, 'response_not_found');
  if (err instanceof UpstreamError) return upstreamResponse(err, retrySafe);
  const bodyError = bodyParserResponse(err);
  if (bodyError) return bodyError;
  return respond(500, 'server_error', 'Internal error in mcp-model-shim; the shim log has the details.', null, 'internal_error');
}

/** Not the tools' servers: the LLM and the state store name themselves in the code. */
const UNAVAILABLE_CODES: Record<string, string> = { [LLM]: 'llm_unavailable', [STATE]: 'store_unavailable' };

function upstreamResponse(err: UpstreamError, retrySafe: boolean): ErrorResponse {
  if (err instanceof UpstreamUnavailableError) {
    // Never sent, so safe to retry: 503 + Retry-After is what clients and LiteLLM retry on.
    const response = respond(503, 'upstream_error', err.message, null, UNAVAILABLE_CODES[err.upstream] ?? 'upstream_unavailable');
    response.headers['retry-after'] = String(err.retryAfterSeconds);
    return response;
  }
  if (err instanceof UpstreamBusyError) {
    // Nothing ran: a retry after a short wait is exactly right.
    const response = respond(429, 'rate_limit_error', err.message, null, err.upstream === LLM ? 'llm_rate_limited' : 'upstream_busy');
    response.headers['retry-after'] = '1';
    return response;
  }
  if (err instanceof UpstreamRejectedError) return respond(400, 'invalid_request_error', err.message, 'messages', 'upstream_rejected');
  if (err instanceof LlmFailedError) {
    if (err.refused) return respond(400, 'invalid_request_error', err.message, 'messages', 'llm_refused');
    return respond(err.timedOut ? 504 : 502, 'upstream_error', err.message, null, 'llm_failed');
  }
  if (err instanceof QuestionClosedError) return respond(400, 'invalid_request_error', err.message, 'messages', 'question_closed');
  if (err instanceof InputNotCarriedError) {
    // Asking again would ask again: not retried.
    const response = respond(MAY_HAVE_RUN, 'upstream_error', err.message, null, 'input_not_carried');
    response.headers['x-should-retry'] = 'false';
    return response;
  }
  if (err instanceof CallCancelledError) return respond(CLIENT_CLOSED_REQUEST, 'upstream_error', err.message, null, 'cancelled');
  if (err instanceof ResultTooLargeError) {
    // The same call would get the same answer: a status that neither LiteLLM nor the openai clients retry.
    const response = respond(MAY_HAVE_RUN, 'upstream_error', err.message, null, 'result_too_large');
    response.headers['x-should-retry'] = 'false';
    return response;
  }
  const timedOut = err instanceof UpstreamTimeoutError;
  const code = timedOut ? 'upstream_timeout' : 'upstream_failed';
  const response = retrySafe
    ? respond(timedOut ? 504 : 502, 'upstream_error', err.message, null, code)
    : respond(MAY_HAVE_RUN, 'upstream_error', `${err.message}. Not retried: the tool may have run and is not marked read-only or idempotent.`, null, code);
  // The openai clients honour this header; a call that may have run must not run twice.
  if (err.mayHaveRun) response.headers['x-should-retry'] = 'false';
  return response;
}

/**
 * express.json() errors carry `type` and a 4xx `status`. Two carry the status without a `type`:
 * the router's for a path whose %-escapes do not decode, and body-parser's for a body its
 * `content-encoding` cannot decompress. Their messages are not echoed.
 */
function bodyParserResponse(err: unknown): ErrorResponse | undefined {
  const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (typeof type !== 'string') {
    if ((err as Error).name === 'URIError') return respond(400, 'invalid_request_error', 'The request path is not valid percent-encoding.', null, 'invalid_path');
    return respond(status, 'invalid_request_error', `The request cannot be read (HTTP ${status}).`, null, 'invalid_body');
  }
  switch (type) {
    case 'entity.parse.failed':
      return respond(400, 'invalid_request_error', `The request body is not valid JSON: ${(err as Error).message}`, null, 'invalid_json');
    case 'entity.too.large':
      return respond(413, 'invalid_request_error', 'The request body is too large.', null, 'request_too_large');
    default:
      return respond(status, 'invalid_request_error', `The request body cannot be read (${type}).`, null, 'invalid_body');
  }
}

function respond(status: number, type: string, message: string, param: string | null, code: string | null): ErrorResponse {
  return { status, body: { error: { message: redact(message), type, param, code } }, headers: {} };
}
