import { RequestError, UnknownToolError } from '../errors.js';
import { CallCancelledError, UpstreamError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../upstreams/errors.js';

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
 * The single mapping from any failure to an HTTP status and OpenAI error body. Unknown errors
 * become a 500 without details: stack traces and messages from libraries may hold secrets.
 */
export function toErrorResponse(err: unknown): ErrorResponse {
  if (err instanceof RequestError) return respond(400, 'invalid_request_error', err.message, err.param, err.code);
  if (err instanceof UnknownToolError) return respond(404, 'invalid_request_error', err.message, 'model', 'model_not_found');
  if (err instanceof UpstreamError) return upstreamResponse(err);
  const bodyError = bodyParserResponse(err);
  if (bodyError) return bodyError;
  return respond(500, 'server_error', 'Internal error in mcp-model-shim; the shim log has the details.', null, 'internal_error');
}

function upstreamResponse(err: UpstreamError): ErrorResponse {
  if (err instanceof UpstreamUnavailableError) {
    // Never sent, so safe to retry: 503 + Retry-After is what clients and LiteLLM retry on.
    const response = respond(503, 'upstream_error', err.message, null, 'upstream_unavailable');
    response.headers['retry-after'] = String(err.retryAfterSeconds);
    return response;
  }
  const response =
    err instanceof UpstreamRejectedError
      ? respond(400, 'invalid_request_error', err.message, 'messages', 'upstream_rejected')
      : err instanceof UpstreamTimeoutError
        ? respond(504, 'upstream_error', err.message, null, 'upstream_timeout')
        : err instanceof CallCancelledError
          ? respond(CLIENT_CLOSED_REQUEST, 'upstream_error', err.message, null, 'cancelled')
          : respond(502, 'upstream_error', err.message, null, 'upstream_failed');
  // The openai clients honour this header; a call that may have run must not run twice.
  if (err.mayHaveRun) response.headers['x-should-retry'] = 'false';
  return response;
}

/** express.json() errors carry `type` and a 4xx `status`. */
function bodyParserResponse(err: unknown): ErrorResponse | undefined {
  const { type, status } = (err ?? {}) as { type?: unknown; status?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number' || status < 400 || status >= 500) return undefined;
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
  return { status, body: { error: { message, type, param, code } }, headers: {} };
}
