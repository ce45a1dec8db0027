import { Router, type Response } from 'express';
import type { Agent } from '../../agents/agent.js';
import { findTool } from '../../invoke.js';
import type { RegisteredTool, ToolRegistry } from '../../registry.js';
import { callerAllows, visibleTools } from '../auth.js';

const STARTED = Math.floor(Date.now() / 1000);

/** What a listing shows of a tool (owned by its upstream) or an agent (owned by `agent`). */
type Listed = Pick<RegisteredTool, 'name'> & { upstream: { name: string } };

function modelObject(model: Listed) {
  return { id: model.name, object: 'model', created: STARTED, owned_by: model.upstream.name };
}

function modelList(models: readonly Listed[]) {
  return { object: 'list', data: models.map(modelObject) };
}

const AS_LISTED = new WeakMap<Agent, Listed>();

function listedAgent(agent: Agent): Listed {
  let listed = AS_LISTED.get(agent);
  if (!listed) AS_LISTED.set(agent, (listed = { name: agent.name, upstream: { name: 'agent' } }));
  return listed;
}

/** The agents this caller may use: keys' globs cover agent names as they cover tool names. */
function visibleAgents(agents: ReadonlyMap<string, Agent>, res: Response): Listed[] {
  return [...agents.values()].filter((agent) => callerAllows(res, agent.name)).map(listedAgent);
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
export function modelRoutes(registry: ToolRegistry, agents: ReadonlyMap<string, Agent> = new Map()): Router {
  const router = Router();
  const find = (res: Response, name: string): Listed => visibleAgents(agents, res).find((agent) => agent.name === name) ?? findTool(visibleTools(res, registry), name);
  router.get(['/v1/models', '/models'], (_req, res) => {
    const tools = visibleTools(res, registry).list();
    if (agents.size === 0) res.type('json').send(listingBody(tools));
    else res.json(modelList([...visibleAgents(agents, res), ...tools]));
  });
  router.get(['/v1/models/:id', '/models/:id'], (req, res) => {
    res.json(modelObject(find(res, String(req.params.id))));
  });
  router.get(['/tools/:name/v1/models', '/tools/:name/models'], (req, res) => {
    res.json(modelList([find(res, String(req.params.name))]));
  });
  return router;
}
