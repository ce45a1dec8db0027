import type { Request, RequestHandler, Response } from 'express';
import type { Agent } from '../../agents/agent.js';
import type { StoredResponses } from '../../agents/stored-responses.js';
import { RequestError } from '../../errors.js';
import type { CallRequest, Face } from '../../faces/index.js';
import { argumentsForCall, callTool, findTool } from '../../invoke.js';
import type { Llm } from '../../llm/client.js';
import { log } from '../../log.js';
import { HEALTH_CHECK_MODEL, healthProbeAnswer } from '../../openai/health-probe.js';
import type { ToolRegistry } from '../../registry.js';
import { isRetrySafe } from '../../retry-safety.js';
import type { CallToolResult } from '../../upstreams/types.js';
import { renderAnswer } from '../../render/answer.js';
import { confirmationAnswer, withDerivedArguments } from '../../render/derived.js';
import { renderProgress } from '../../render/result.js';
import { abortOnClientClose } from '../abort.js';
import { callerAllows, visibleTools } from '../auth.js';
import { EventStream } from '../event-stream.js';
import { noteCall } from '../request-log.js';
import { failStream } from '../stream-failure.js';
import { agentCall } from './agent-call.js';

export interface ModelCallOptions {
  keepAliveMs: number;
  /** The `llm` section's model, for tools with `fromText: llm` and for agents. */
  llm?: Llm;
  /** Agent models by name (`agents:` in the config). */
  agents?: ReadonlyMap<string, Agent>;
  /** Agents' stored Responses answers. */
  responses: StoredResponses;
}

/**
 * A call to a model through one face (chat completions, Responses, legacy completions): the tool
 * is named by the path (`/tools/:name/…`) or, on the plain OpenAI routes, by `body.model`; the
 * face's text (last user message, input, prompt) holds the arguments. Every face takes this path.
 */
export function modelCall<R extends CallRequest>(registry: ToolRegistry, face: Face<R>, { keepAliveMs, llm, agents, responses }: ModelCallOptions): RequestHandler {
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
      await agentCall(agent, face, request, req, res, { llm, registry, responses, keepAliveMs });
      return;
    }
    const tool = findTool(visibleTools(res, registry), name);
    noteCall(res, tool);
    const signal = abortOnClientClose(res);
    const { args, derived } = await argumentsForCall(tool, request.userText, face.place, llm, signal);
    log.debug('tool arguments', { tool: tool.name, arguments: args, derived: derived !== undefined });
    if (derived && !isRetrySafe(tool.definition) && tool.policy?.confirm !== false) {
      answerWith(face, request, tool.name, confirmationAnswer(tool, derived), res, keepAliveMs);
      return;
    }
    // A derived call shows what it ran with, unless the caller asked for one JSON document.
    const render = (result: CallToolResult) => {
      const answer = renderAnswer(result, tool, request.json);
      return derived && !request.json ? withDerivedArguments(tool, derived, answer) : answer;
    };

    if (!request.stream) {
      const result = await callTool(tool, args, signal);
      if (result.isError) res.set('x-mcp-tool-error', 'true');
      res.json(face.answer(request, tool.name, render(result)));
      return;
    }

    const events = new EventStream(res, keepAliveMs);
    const answer = face.stream(request, tool.name, events);
    let result;
    try {
      // Progress opens the stream early, as reasoning: the LiteLLM UI shows a long tool is alive.
      result = await callTool(tool, args, signal, (progress) => answer.progress(renderProgress(progress)));
    } catch (err) {
      failStream(err, events, answer, res);
      return;
    }
    if (result.isError && !events.started) res.set('x-mcp-tool-error', 'true');
    answer.finish(render(result));
  };
}

/** The agent of that name, if the caller's key may use it (keys' globs cover agents as they cover tools). */
function visibleAgent(agents: ReadonlyMap<string, Agent> | undefined, name: string, res: Response): Agent | undefined {
  const agent = agents?.get(name);
  return agent && callerAllows(res, name) ? agent : undefined;
}

/** An answer that is not a tool's result (a health probe, a confirmation), streamed or not as asked. */
function answerWith<R extends CallRequest>(face: Face<R>, request: R, model: string, content: string, res: Response, keepAliveMs: number): void {
  if (request.stream) face.stream(request, model, new EventStream(res, keepAliveMs)).finish(content);
  else res.json(face.answer(request, model, content));
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
