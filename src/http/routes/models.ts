import { Router } from 'express';
import { findTool } from '../../invoke.js';
import type { RegisteredTool, ToolRegistry } from '../../registry.js';
import { visibleTools } from '../auth.js';

const STARTED = Math.floor(Date.now() / 1000);

function modelObject(tool: RegisteredTool) {
  return { id: tool.name, object: 'model', created: STARTED, owned_by: tool.upstream.name };
}

function modelList(tools: readonly RegisteredTool[]) {
  return { object: 'list', data: tools.map(modelObject) };
}

/** Serialised listings by tool list: the registry hands out the same list until its tools change. */
const listings = new WeakMap<readonly RegisteredTool[], Buffer>();

function listingBody(tools: readonly RegisteredTool[]): Buffer {
  let body = listings.get(tools);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(modelList(tools)));
    listings.set(tools, body);
  }
  return body;
}

/** OpenAI's model listing, one model per tool; `/tools/:name/…` lists that one tool (LiteLLM probes `{api_base}/v1/models`). */
export function modelRoutes(registry: ToolRegistry): Router {
  const router = Router();
  router.get(['/v1/models', '/models'], (_req, res) => {
    res.type('json').send(listingBody(visibleTools(res, registry).list()));
  });
  router.get(['/v1/models/:id', '/models/:id'], (req, res) => {
    res.json(modelObject(findTool(visibleTools(res, registry), String(req.params.id))));
  });
  router.get(['/tools/:name/v1/models', '/tools/:name/models'], (req, res) => {
    res.json(modelList([findTool(visibleTools(res, registry), String(req.params.name))]));
  });
  return router;
}
