import { Router, type Request, type Response } from 'express';
import { RequestError } from '../../errors.js';
import { withoutProvider } from '../../faces/request-body.js';
import { notStored } from '../../faces/responses-request.js';
import { findTool } from '../../invoke.js';
import type { ToolRegistry } from '../../registry.js';
import { visibleTools } from '../auth.js';

const RESPONSE_BY_ID = ['/responses/:id', '/v1/responses/:id', '/tools/:name/responses/:id', '/tools/:name/v1/responses/:id'];

/**
 * What the faces do not serve, answered so that no client cools a tool down by mistake: LiteLLM
 * takes a deployment out of rotation after a 404, for everyone, but not after a 400.
 * - stored responses (`GET`/`DELETE /responses/{id}`, its `cancel` and `input_items`): 400, nothing is stored;
 * - any other endpoint under a tool that exists (`/tools/<tool>/embeddings`, …), or any endpoint
 *   whose `body.model` names one (a wildcard route's `/embeddings`): 400 `unsupported_endpoint`;
 * - under `/tools/<unknown>/`: 404 `model_not_found`, as on the faces.
 */
export function unsupportedRoutes(registry: ToolRegistry): Router {
  const router = Router();
  router.get(RESPONSE_BY_ID, () => {
    throw notStored('GET /responses/{id}');
  });
  router.delete(RESPONSE_BY_ID, () => {
    throw notStored('DELETE /responses/{id}');
  });
  router.all(RESPONSE_BY_ID.map((path) => `${path}/*rest`), () => {
    throw notStored('a stored response');
  });
  router.all('/tools/:name/*rest', (req, res) => {
    unsupported(registry, String(req.params.name), req, res);
  });
  router.all('*rest', (req, res, next) => {
    const model = (req.body as { model?: unknown } | undefined)?.model;
    const name = typeof model === 'string' ? withoutProvider(model) : undefined;
    if (name === undefined || !visibleTools(res, registry).get(name)) return next();
    unsupported(registry, name, req, res);
  });
  return router;
}

function unsupported(registry: ToolRegistry, name: string, req: Request, res: Response): never {
  const tool = findTool(visibleTools(res, registry), name);
  const base = req.path.startsWith('/tools/') ? `/tools/${encodeURIComponent(tool.name)}` : '/v1';
  throw new RequestError(
    `${req.method} ${req.path} is not served: "${tool.name}" is an MCP tool, called through chat completions ` +
      `(POST ${base}/chat/completions), the Responses API (POST ${base}/responses) or legacy completions (POST ${base}/completions).`,
    null,
    'unsupported_endpoint',
  );
}
