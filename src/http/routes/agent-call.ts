import type { Request, Response } from 'express';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { agentTools, type Agent } from '../../agents/agent.js';
import { runAgent, type AgentAnswer, type AgentPause, type AgentPausePoint, type AgentStep } from '../../agents/run.js';
import type { StoredResponses } from '../../agents/stored-responses.js';
import { RequestError } from '../../errors.js';
import type { AnswerExtras, CallRequest, Face } from '../../faces/index.js';
import type { Llm } from '../../llm/client.js';
import type { ToolRegistry } from '../../registry.js';
import { abortOnClientClose } from '../abort.js';
import { ownerOf, visibleTools } from '../auth.js';
import { EventStream } from '../event-stream.js';
import { pendingQuestion, type PendingQuestions } from '../../questions/pending-questions.js';
import { askPerson, replyTo } from '../question-turn.js';
import { failStream } from '../stream-failure.js';

export interface AgentCallContext {
  llm: Llm;
  registry: ToolRegistry;
  /** Where Responses answers are kept and continued from. */
  responses: StoredResponses;
  /** Where the questions its tools ask are kept until the person answers. */
  questions: PendingQuestions;
  keepAliveMs: number;
}

/**
 * A call to an agent model through any face: the conversation goes to the LLM with the agent's
 * tools. Streamed, it is one assistant message: each step as reasoning as it happens, then the
 * answer as content, ending once; tool calls are never streamed as `tool_calls`.
 * On the Responses API the answer is stored unless the request says `store: false`, and
 * `previous_response_id` puts the stored conversation before the new input.
 */
export async function agentCall<R extends CallRequest>(agent: Agent, face: Face<R>, request: R, req: Request, res: Response, context: AgentCallContext): Promise<void> {
  const { llm, registry, responses, questions, keepAliveMs } = context;
  const own = (req.body as { tools?: unknown } | undefined)?.tools;
  if (Array.isArray(own) && own.length > 0) {
    throw new RequestError(`"${agent.name}" is an agent model: it owns its tools, so a request may not bring "tools". Send only the conversation.`, 'tools', 'agent_owns_tools');
  }
  res.locals.tool = agent.name;
  res.locals.upstream = 'agent';
  // Its failures are retry-safe only when none of its tools may change data.
  res.locals.retrySafe = !agent.allowMutations;
  const { instructions, messages } = face.conversation(req.body);
  const { continuation } = request;
  const owner = ownerOf(res);
  // A reply to a question one of its tools asked: the agent goes on from where it stopped.
  const answered = await replyTo<AgentPausePoint, R>(agent.name, face, request, res, questions);
  const resume = answered?.question.paused && { point: answered.question.paused, answers: answered.answers };
  const earlier: ChatCompletionMessageParam[] = !resume && continuation?.previousResponseId ? await responses.conversation(owner, continuation.previousResponseId) : [];
  const conversation = { instructions, messages: [...earlier, ...messages] };
  const tools = agentTools(agent, visibleTools(res, registry));
  const abort = abortOnClientClose(res);
  const { signal } = abort;
  const stored = continuation && { store: continuation.store, ...(continuation.previousResponseId ? { previousResponseId: continuation.previousResponseId } : {}) };

  /**
   * The answer's words and extras. When it is to be stored it is kept first, so a request that
   * follows at once finds it; when the store fails, the answer says it was not stored. A question
   * is kept as one (the reply to it resumes the agent), and its answer as a response without a
   * conversation to go on from: `GET /responses/{id}` finds it like any other.
   */
  const settle = async (outcome: AgentAnswer | AgentPause): Promise<{ content: string; extras: AnswerExtras }> => {
    const { steps, usage } = outcome;
    const reasoning = steps.map(stepLine).join('');
    const extras: AnswerExtras = { ...(reasoning ? { reasoning } : {}), ...(usage ? { usage } : {}), ...(stored ? { stored } : {}) };
    const asked = 'question' in outcome;
    if (asked) outcome.question.stopsWith(() => abort.abort());
    const content = asked
      ? await askPerson(request, pendingQuestion(agent.name, outcome.tool.name, outcome.args, outcome.question, outcome.point), outcome.question, res, questions)
      : outcome.content;
    if (!continuation?.store) return { content, extras };
    const kept = await responses.keep(owner, continuation.responseId, face.answer(request, agent.name, content, extras), asked ? undefined : outcome.transcript);
    return { content, extras: kept ? extras : { ...extras, stored: { ...stored!, store: false } } };
  };

  if (!request.stream) {
    const { content, extras } = await settle(await runAgent(agent, llm, tools, conversation, { signal }, resume));
    res.json(face.answer(request, agent.name, content, extras));
    return;
  }
  const events = new EventStream(res, keepAliveMs);
  const answer = face.stream(request, agent.name, events, stored);
  let settled: { content: string; extras: AnswerExtras };
  try {
    settled = await settle(await runAgent(agent, llm, tools, conversation, { signal, onStep: (step) => answer.progress(stepLine(step)) }, resume));
  } catch (err) {
    failStream(err, events, answer, res);
    return;
  }
  answer.finish(settled.content, settled.extras);
}

/** What a person watching sees of one step: the tool, its arguments, a short result, the time it took. */
export function stepLine(step: AgentStep): string {
  const seconds = step.ms >= 1000 ? `${(step.ms / 1000).toFixed(1)} s` : `${Math.round(step.ms)} ms`;
  return `${step.tool} ${JSON.stringify(step.args)} → ${step.isError ? 'failed: ' : ''}${step.summary} (${seconds})\n`;
}
