import { Router } from 'express';
import type { ToolRegistry } from '../../registry.js';

/** `ok` every upstream ready, `degraded` one or more not, `shutting-down` once a shutdown began. */
export type HealthStatus = 'ok' | 'degraded' | 'shutting-down';

/**
 * `GET /health` is liveness: 200 while the process serves, whatever its upstreams do (restarting
 * the shim would not bring them back sooner: it reconnects on its own). `GET /ready` is readiness,
 * with the same body: 503 while no upstream is ready (connected, with its tools listed) or once a
 * shutdown began, so a balancer sends calls elsewhere before the listener closes.
 */
export function healthRoutes(registry: ToolRegistry, shuttingDown: () => boolean): Router {
  const router = Router();
  const state = () => {
    const upstreams = registry.health();
    const states = Object.values(upstreams).map((upstream) => upstream.state);
    const status: HealthStatus = shuttingDown() ? 'shutting-down' : states.every((s) => s === 'ready') ? 'ok' : 'degraded';
    return { ready: status !== 'shutting-down' && registry.serving(), body: { status, upstreams } };
  };
  router.get('/health', (_req, res) => {
    res.json(state().body);
  });
  router.get('/ready', (_req, res) => {
    const { ready, body } = state();
    res.status(ready ? 200 : 503).json(body);
  });
  return router;
}
