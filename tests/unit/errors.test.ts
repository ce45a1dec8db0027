import { RequestError, UnknownToolError } from '../../src/errors.js';
import { toErrorResponse } from '../../src/openai/errors.js';
import {
  CallCancelledError,
  UpstreamFailedError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../../src/upstreams/errors.js';

describe('toErrorResponse', () => {
  test('a RequestError is a 400 in OpenAI shape with its param and code', () => {
    expect(toErrorResponse(new RequestError('bad arguments', 'messages', 'invalid_arguments'))).toEqual({
      status: 400,
      body: { error: { message: 'bad arguments', type: 'invalid_request_error', param: 'messages', code: 'invalid_arguments' } },
      headers: {},
    });
  });

  test('an unknown tool is a 404 model_not_found with suggestions', () => {
    const response = toErrorResponse(new UnknownToolError('pg_exec', ['pg_execute_query']));
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual({
      message: 'The model (tool) "pg_exec" does not exist. Did you mean "pg_execute_query"? GET /v1/models lists every tool.',
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  });

  test('a call that never reached its upstream is a 503 with Retry-After, which clients may retry', () => {
    const response = toErrorResponse(new UpstreamUnavailableError('pg', 'upstream "pg" is reconnecting; the call was not sent', 4));
    expect(response).toEqual({
      status: 503,
      body: {
        error: { message: 'upstream "pg" is reconnecting; the call was not sent', type: 'upstream_error', param: null, code: 'upstream_unavailable' },
      },
      headers: { 'retry-after': '4' },
    });
    expect(toErrorResponse(new UpstreamUnavailableError('pg', 'down')).headers).toEqual({ 'retry-after': '1' });
  });

  test('an upstream that rejected the call (it did not run) is a 400 that may be retried', () => {
    const err = new UpstreamRejectedError('pg', 'upstream "pg" rejected the call');
    const response = toErrorResponse(err);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ message: err.message, type: 'invalid_request_error', code: 'upstream_rejected' });
    expect(response.headers).toEqual({});
  });

  test.each([
    ['failed', new UpstreamFailedError('pg', 'upstream "pg" closed the connection'), 502, 'upstream_failed'],
    ['timed out', new UpstreamTimeoutError('pg', 1500), 504, 'upstream_timeout'],
  ])('a read-only or idempotent call that %s may have run: a 5xx, retrying it is harmless', (_what, err, status, code) => {
    const response = toErrorResponse(err, { retrySafe: true });
    expect(response.status).toBe(status);
    expect(response.body.error).toEqual({ message: err.message, type: 'upstream_error', param: null, code });
    expect(response.headers).toEqual({ 'x-should-retry': 'false' });
  });

  test.each([
    ['failed', new UpstreamFailedError('pg', 'upstream "pg" closed the connection'), 'upstream_failed'],
    ['timed out', new UpstreamTimeoutError('pg', 1500), 'upstream_timeout'],
  ])('any other call that %s may have run: a 424, which neither LiteLLM nor the openai clients retry', (_what, err, code) => {
    for (const response of [toErrorResponse(err), toErrorResponse(err, { retrySafe: false })]) {
      expect(response.status).toBe(424);
      expect(response.body.error).toEqual({
        message: `${err.message}. Not retried: the tool may have run and is not marked read-only or idempotent.`,
        type: 'upstream_error',
        param: null,
        code,
      });
      expect(response.headers).toEqual({ 'x-should-retry': 'false' });
    }
  });

  test('the timeout message says how long the shim waited', () => {
    expect(toErrorResponse(new UpstreamTimeoutError('pg', 1500), { retrySafe: true }).body.error.message).toBe(
      'upstream "pg" did not answer within 1.5 s',
    );
  });

  test('a cancelled call is 499 cancelled', () => {
    const response = toErrorResponse(new CallCancelledError('pg'));
    expect(response.status).toBe(499);
    expect(response.body.error.code).toBe('cancelled');
  });

  test('body-parser errors keep their 4xx', () => {
    const parseFailed = Object.assign(new SyntaxError('Unexpected token } in JSON'), { type: 'entity.parse.failed', status: 400 });
    expect(toErrorResponse(parseFailed)).toMatchObject({
      status: 400,
      body: { error: { message: 'The request body is not valid JSON: Unexpected token } in JSON', code: 'invalid_json' } },
    });
    const tooLarge = Object.assign(new Error('request entity too large'), { type: 'entity.too.large', status: 413 });
    expect(toErrorResponse(tooLarge)).toMatchObject({ status: 413, body: { error: { code: 'request_too_large' } } });
  });

  test('an unknown error is a 500 that does not leak its message', () => {
    const secret = 'connect ECONNREFUSED postgres://admin:hunter2@db:5432';
    const response = toErrorResponse(Object.assign(new Error(secret), { status: 500, type: 'x' }));
    expect(response).toEqual({
      status: 500,
      body: {
        error: { message: 'Internal error in mcp-model-shim; the shim log has the details.', type: 'server_error', param: null, code: 'internal_error' },
      },
      headers: {},
    });
    expect(JSON.stringify(toErrorResponse(new Error(secret)))).not.toContain('hunter2');
  });
});
