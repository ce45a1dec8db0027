import { Router } from 'express';
import { RequestError } from '../../errors.js';
import { callTool, checkedArguments, findTool } from '../../invoke.js';
import type { ToolRegistry } from '../../registry.js';
import { abortOnClientClose } from '../abort.js';
import { visibleTools } from '../auth.js';
import { noteCall } from '../request-log.js';

/**
 * The REST adapter's own routes from the field report, same shapes, so the shim can take the
 * adapter's place on the network: `GET /tools`, `POST /tools/:name` → raw `CallToolResult`.
 */
export function adapterRoutes(registry: ToolRegistry): Router {
  const router = Router();
  router.get('/tools', (_req, res) => {
    res.json({
      tools: visibleTools(res, registry).list().map((tool) => ({
        name: tool.name,
        description: tool.definition.description ?? '',
        inputSchema: tool.definition.inputSchema,
      })),
    });
  });
  router.post('/tools/:name', async (req, res) => {
    const tool = findTool(visibleTools(res, registry), req.params.name);
    noteCall(res, tool);
    const args = (req.body as { arguments?: unknown } | undefined)?.arguments ?? {};
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new RequestError('The body must be {"arguments": {...}} with an object of arguments.', 'arguments', 'invalid_arguments');
    }
    const result = await callTool(tool, checkedArguments(tool, args as Record<string, unknown>), abortOnClientClose(res).signal);
    res.json(result);
  });
  return router;
}
