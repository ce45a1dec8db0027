import type { ErrorRequestHandler, RequestHandler } from 'express';
import { log } from '../log.js';
import { toErrorResponse } from '../openai/errors.js';
import { errorContext } from './request-log.js';

/** Every failure leaves through here, in OpenAI's error shape. */
export function errorHandler(): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const { status, body, headers } = toErrorResponse(err, errorContext(res));
    res.locals.error = body.error.message.split('\n')[0];
    if (status === 500) log.error('unexpected error', { error: err instanceof Error ? err.stack : String(err) });
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).set(headers).json(body);
  };
}

/** Unknown routes answer in OpenAI's shape too, never with an HTML "Cannot POST" page. */
export function routeNotFound(): RequestHandler {
  return (req, res) => {
    res.status(404).json({
      error: {
        message: `Unknown route ${req.method} ${req.path}. Tools are called at POST /tools/<tool>/chat/completions (also …/responses, …/completions), POST /v1/chat/completions and POST /openapi/<tool> (GET /openapi.json describes them).`,
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_route',
      },
    });
  };
}
