import type { Request, Response } from 'express';
import { agentTools, type Agent } from '../../agents/agent.js';
import { runAgent, type AgentAnswer, type AgentStep } from '../../agents/run.js';
import { RequestError } from '../../errors.js';
import type { CallRequest, Face } from '../../faces/index.js';
import type { Llm } from '../../llm/client.js';
import type { ToolRegistry } from '../../registry.js';
import { abortOnClientClose } from '../abort.js';
import { visibleTools } from '../auth.js';
import { EventStream } from '../event-stream.js';
import { failStream } from '../stream-failure.js';

/**
 * A call to an agent model through any face: the conversation goes to the LLM with the agent's
 * tools. Streamed, it is one assistant message: each step as reasoning as it happens, then the
 * answer as content, ending once; tool calls are never streamed as `tool_calls`.
 */
export async function agentCall<R extends CallRequest>(agent: Agent, llm: Llm, registry: ToolRegistry, face: Face<R>, request: R, req: Request, res: Response, keepAliveMs: number): Promise<void> {
  const own = (req.body as { tools?: unknown } | undefined)?.tools;
  if (Array.isArray(own) && own.length > 0) {
    throw new RequestError(`"${agent.name}" is an agent model: it owns its tools, so a request may not bring "tools". Send only the conversation.`, 'tools', 'agent_owns_tools');
  }
  res.locals.tool = agent.name;
  res.locals.upstream = 'agent';
  // Its failures are retry-safe only when none of its tools may change data.
  res.locals.retrySafe = !agent.allowMutations;
  const conversation = face.conversation(req.body);
  const tools = agentTools(agent, visibleTools(res, registry));
  const signal = abortOnClientClose(res);

  if (!request.stream) {
    const { content, steps, usage } = await runAgent(agent, llm, tools, conversation, { signal });
    const reasoning = steps.map(stepLine).join('');
    res.json(face.answer(request, agent.name, content, { ...(reasoning ? { reasoning } : {}), ...(usage ? { usage } : {}) }));
    return;
  }
  const events = new EventStream(res, keepAliveMs);
  const answer = face.stream(request, agent.name, events);
  let result: AgentAnswer;
  try {
    result = await runAgent(agent, llm, tools, conversation, { signal, onStep: (step) => answer.progress(stepLine(step)) });
  } catch (err) {
    failStream(err, events, answer, res);
    return;
  }
  answer.finish(result.content, result.usage ? { usage: result.usage } : {});
}

/** What a person watching sees of one step: the tool, its arguments, a short result, the time it took. */
export function stepLine(step: AgentStep): string {
  const seconds = step.ms >= 1000 ? `${(step.ms / 1000).toFixed(1)} s` : `${Math.round(step.ms)} ms`;
  return `${step.tool} ${JSON.stringify(step.args)} → ${step.isError ? 'failed: ' : ''}${step.summary} (${seconds})\n`;
}
