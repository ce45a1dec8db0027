import { Router, type Request, type Response } from 'express';
import type { Agent } from '../../agents/agent.js';
import { RequestError } from '../../errors.js';
import { withoutProvider } from '../../faces/request-body.js';
import { findTool } from '../../invoke.js';
import type { ToolRegistry } from '../../registry.js';
import { callerAllows, visibleTools } from '../auth.js';

/**
 * What the faces do not serve, answered so that no client cools a tool down by mistake: LiteLLM
 * takes a deployment out of rotation after a 404, for everyone, but not after a 400.
 * - any other endpoint under a tool that exists (`/tools/<tool>/embeddings`, …), or any endpoint
 *   whose `body.model` names one (a wildcard route's `/embeddings`): 400 `unsupported_endpoint`;
 * - under `/tools/<unknown>/`: 404 `model_not_found`, as on the faces.
 */
export function unsupportedRoutes(registry: ToolRegistry, agents: ReadonlyMap<string, Agent> = new Map()): Router {
  const router = Router();
  // An agent model is a model too: its unsupported endpoints are a 400, not a 404.
  const model = (res: Response, name: string): Model =>
    agents.has(name) && callerAllows(res, name) ? { name, kind: 'an agent model' } : { name: findTool(visibleTools(res, registry), name).name, kind: 'an MCP tool' };
  router.all('/tools/:name/*rest', (req, res) => {
    unsupported(model(res, String(req.params.name)), req);
  });
  router.all('*rest', (req, res, next) => {
    const requested = (req.body as { model?: unknown } | undefined)?.model;
    const name = typeof requested === 'string' ? withoutProvider(requested) : undefined;
    if (name === undefined || !(visibleTools(res, registry).get(name) || (agents.has(name) && callerAllows(res, name)))) return next();
    unsupported(model(res, name), req);
  });
  return router;
}

interface Model {
  name: string;
  kind: 'an MCP tool' | 'an agent model';
}

function unsupported({ name, kind }: Model, req: Request): never {
  const base = req.path.startsWith('/tools/') ? `/tools/${encodeURIComponent(name)}` : '/v1';
  throw new RequestError(
    `${req.method} ${req.path} is not served: "${name}" is ${kind}, called through chat completions ` +
      `(POST ${base}/chat/completions), the Responses API (POST ${base}/responses) or legacy completions (POST ${base}/completions).`,
    null,
    'unsupported_endpoint',
  );
}
