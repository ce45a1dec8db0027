import type { Request, RequestHandler, Response } from 'express';
import type { Agent } from '../../agents/agent.js';
import type { StoredResponses } from '../../agents/stored-responses.js';
import type { PendingQuestions } from '../../questions/pending-questions.js';
import { RequestError } from '../../errors.js';
import type { CallRequest, Face } from '../../faces/index.js';
import { findTool } from '../../invoke.js';
import type { Llm } from '../../llm/client.js';
import { log } from '../../log.js';
import { HEALTH_CHECK_MODEL, healthProbeAnswer } from '../../openai/health-probe.js';
import type { ToolRegistry } from '../../registry.js';
import { callerAllows, visibleTools } from '../auth.js';
import { noteCall } from '../request-log.js';
import { agentCall } from './agent-call.js';
import { answerWith, toolCall } from './tool-call.js';

export interface ModelCallOptions {
  keepAliveMs: number;
  /** The `llm` section's model, for tools with `fromText: llm` and for agents. */
  llm?: Llm;
  /** Agent models by name (`agents:` in the config). */
  agents?: ReadonlyMap<string, Agent>;
  /** Agents' stored Responses answers. */
  responses: StoredResponses;
  /** Tools' open questions. */
  questions: PendingQuestions;
}

/**
 * A call to a model through one face (chat completions, Responses, legacy completions): the tool
 * is named by the path (`/tools/:name/…`) or, on the plain OpenAI routes, by `body.model`; the
 * face's text (last user message, input, prompt) holds the arguments. Every face takes this path.
 */
export function modelCall<R extends CallRequest>(registry: ToolRegistry, face: Face<R>, { keepAliveMs, llm, agents, responses, questions }: ModelCallOptions): RequestHandler {
  return async (req: Request, res: Response) => {
    const request = face.parse(req.body);
    const name = (req.params as { name?: string }).name ?? request.model;
    if (!name) throw new RequestError('"model" must name the tool to call (GET /v1/models lists them).', 'model', 'missing_model');
    const agent = visibleAgent(agents, name, res);
    if (request.healthProbe) {
      answerHealthProbe(agent ? undefined : registry, face, name, request, res, keepAliveMs);
      return;
    }
    if (agent && llm) {
      await agentCall(agent, face, request, req, res, { llm, registry, responses, questions, keepAliveMs });
      return;
    }
    const tool = findTool(visibleTools(res, registry), name);
    noteCall(res, tool);
    await toolCall(tool, face, request, res, { keepAliveMs, llm, questions });
  };
}

/** The agent of that name, if the caller's key may use it (keys' globs cover agents as they cover tools). */
function visibleAgent(agents: ReadonlyMap<string, Agent> | undefined, name: string, res: Response): Agent | undefined {
  const agent = agents?.get(name);
  return agent && callerAllows(res, name) ? agent : undefined;
}

/**
 * LiteLLM health-checks a model with a real request; running the tool for it could change data
 * every time someone opens /health. The probe is answered here, through whichever face it came;
 * an unknown tool still 404s, so a misconfigured deployment shows as unhealthy.
 */
function answerHealthProbe<R extends CallRequest>(registry: ToolRegistry | undefined, face: Face<R>, name: string, request: R, res: Response, keepAliveMs: number): void {
  if (registry && name !== HEALTH_CHECK_MODEL) noteCall(res, findTool(visibleTools(res, registry), name));
  log.info('answered a LiteLLM health check without running the tool', { tool: name });
  answerWith(face, request, name, healthProbeAnswer(name), res, keepAliveMs);
}
