import { Router, type Response } from 'express';
import { OPENAPI_PLACE, operationAnswer, operationArguments } from '../../faces/openapi.js';
import { callTool, checkedArguments, findTool } from '../../invoke.js';
import { OpenApiDocuments } from '../../openapi/cache.js';
import type { ToolRegistry } from '../../registry.js';
import { abortOnClientClose } from '../abort.js';
import { visibleTools, type Caller } from '../auth.js';
import { noteCall } from '../request-log.js';

/** The scope of a caller who may see every tool. */
const EVERY_TOOL = {};

/**
 * The OpenAPI face: `GET /openapi.json` describes every tool the caller's key may use, one
 * operation each, and `POST /openapi/:name` runs one with the body as its arguments, through the
 * same call path as chat (validation, pins, limits, statuses, metrics, traces).
 */
export function openapiRoutes(registry: ToolRegistry, { secured }: { secured: boolean }): Router {
  const router = Router();
  const documents = new OpenApiDocuments({ secured });
  router.get('/openapi.json', (_req, res) => {
    res.type('json').send(documents.body(registry.list(), scope(res), () => visibleTools(res, registry).list()));
  });
  router.post('/openapi/:name', async (req, res) => {
    const tool = findTool(visibleTools(res, registry), req.params.name);
    noteCall(res, tool);
    const result = await callTool(tool, checkedArguments(tool, operationArguments(req.body), OPENAPI_PLACE), abortOnClientClose(res).signal);
    if (result.isError) res.set('x-mcp-tool-error', 'true');
    res.type('json').send(operationAnswer(result, tool));
  });
  return router;
}

/** What decides the tools a caller sees: its key's allow-list, the same function for every request with that key. */
function scope(res: Response): object {
  const caller = res.locals.caller as Caller | undefined;
  return caller?.restricted ? caller.allows : EVERY_TOOL;
}
