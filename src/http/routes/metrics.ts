import { Router } from 'express';
import type { ShimMetrics } from '../../metrics.js';
import type { Caller } from '../auth.js';

/**
 * `GET /metrics`, Prometheus' text format. Behind the API keys like every route but /health; a
 * key limited to some tools gets a 403, since the series name every tool.
 */
export function metricsRoutes(metrics: ShimMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    if ((res.locals.caller as Caller | undefined)?.restricted) {
      res.status(403).json({
        error: {
          message: 'This API key is limited to some tools; /metrics needs a key without a `tools` list, since its series name every tool.',
          type: 'invalid_request_error',
          param: null,
          code: 'metrics_forbidden',
        },
      });
      return;
    }
    res.type(metrics.contentType).send(await metrics.text());
  });
  return router;
}
