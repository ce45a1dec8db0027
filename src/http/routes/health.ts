import { Router } from 'express';
import type { ToolRegistry } from '../../registry.js';

/** `GET /health`: 200 always, `degraded` when any upstream is not ready. */
export function healthRoutes(registry: ToolRegistry): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const upstreams = registry.health();
    const healthy = Object.values(upstreams).every((upstream) => upstream.state === 'ready');
    res.json({ status: healthy ? 'ok' : 'degraded', upstreams });
  });
  return router;
}
