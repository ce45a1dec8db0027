import { Router, type Request } from 'express';
import type { Agent } from '../../agents/agent.js';
import { RequestError } from '../../errors.js';
import { litellmConfig, renderSnippet } from '../../litellm/snippets.js';
import type { ToolRegistry } from '../../registry.js';
import { callerAllows, visibleTools } from '../auth.js';

/** `GET /litellm/config.yaml?base_url=…&tools=…&api_key_env=…`: the `snippets` command's output; `base_url` repeats for replicas. */
export function litellmRoutes(registry: ToolRegistry, agents: ReadonlyMap<string, Agent> = new Map()): Router {
  const router = Router();
  router.get('/litellm/config.yaml', (req, res) => {
    const config = litellmConfig(visibleTools(res, registry).list(), {
      baseUrl: baseUrls(req) ?? `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`,
      tools: query(req, 'tools'),
      apiKeyEnv: query(req, 'api_key_env'),
      agents: [...agents.keys()].filter((name) => callerAllows(res, name)),
    });
    res.type('text/yaml').send(renderSnippet(config, 'yaml'));
  });
  return router;
}

function baseUrls(req: Request): string[] | undefined {
  const value = req.query.base_url;
  if (Array.isArray(value) && value.length > 0 && value.every((url) => typeof url === 'string' && url !== '')) return value as string[];
  const one = query(req, 'base_url');
  return one === undefined ? undefined : [one];
}

function query(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new RequestError(`Query parameter "${name}" must be a non-empty string.`, name, 'invalid_query');
  return value;
}
