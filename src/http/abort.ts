import type { Response } from 'express';

/**
 * Aborts when the client goes away before the answer is complete. The controller, not only its
 * signal: a call held at a question outlives the request that sent it, and is stopped through it
 * when the reply that resumed the call goes away (see upstreams/held-calls.ts).
 */
export function abortOnClientClose(res: Response): AbortController {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller;
}
