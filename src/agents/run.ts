import type { ChatCompletionMessageParam, ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { RequestError } from '../errors.js';
import { callOrAsk, checkedArguments } from '../invoke.js';
import { asFunction, parseArguments } from '../llm/arguments-from-text.js';
import type { Llm } from '../llm/client.js';
import { FunctionNames } from '../llm/function-names.js';
import type { Usage } from '../openai/usage.js';
import type { RegisteredTool } from '../registry.js';
import { renderAnswer } from '../render/answer.js';
import { truncate } from '../render/result.js';
import { isRetrySafe } from '../retry-safety.js';
import { CallCancelledError, UpstreamError, UpstreamFailedError } from '../upstreams/errors.js';
import { ToolQuestion, type InputAnswers } from '../upstreams/input-required.js';
import type { Agent } from './agent.js';

/** One tool call the agent made, as the person watching sees it. */
export interface AgentStep {
  tool: string;
  args: Record<string, unknown>;
  /** The first line of what the tool answered (or why it failed), shortened. */
  summary: string;
  isError: boolean;
  ms: number;
}

export interface AgentRun {
  signal?: AbortSignal;
  onStep?: (step: AgentStep) => void;
}

/** What the agent answers: `instructions` for this call only, and the conversation (stored turns, then the request's). */
export interface AgentConversation {
  instructions: ChatCompletionMessageParam[];
  messages: ChatCompletionMessageParam[];
}

export interface AgentAnswer {
  content: string;
  steps: AgentStep[];
  /** The LLM's usage summed over every turn; undefined when it reported none. */
  usage?: Usage;
  /**
   * The conversation as it goes on: the messages it was given, then this call's tool calls, their
   * (cut) results and the answer, as the LLM saw them; without any instructions.
   */
  transcript: ChatCompletionMessageParam[];
}

type FunctionCall = Extract<ChatCompletionMessageToolCall, { type: 'function' }>;

/**
 * Where an agent stopped because a tool it called asks the person something: kept with the
 * question, to go on from once it is answered. The transcript ends with the turn's tool calls and
 * the results of those before the one that asks.
 */
export interface AgentPausePoint {
  transcript: ChatCompletionMessageParam[];
  /** The call that asks, then the turn's calls after it. */
  calls: FunctionCall[];
  /** The turn the calls belong to. */
  step: number;
  /** Whether a tool that may change data has run. */
  mutated: boolean;
}

/** The agent stopped at a tool's question: it is asked of the person, not of the LLM. */
export interface AgentPause {
  question: ToolQuestion;
  /** The tool that asks, and its arguments. */
  tool: RegisteredTool;
  args: Record<string, unknown>;
  point: AgentPausePoint;
  steps: AgentStep[];
  usage?: Usage;
}

/** The person answered the question an agent stopped at: its tool call resumes with the answers. */
export interface AgentResume {
  point: AgentPausePoint;
  answers: InputAnswers;
}

const LAST_TURN = 'You have used every step you may. Answer the user now with what you found, without calling tools.';

/**
 * The agent loop: the conversation (the agent's instructions first, then the request's) goes to
 * the LLM with the agent's tools as functions (named as strict providers accept, see
 * function-names.ts); every call of a turn is run in order, through the same path as any call,
 * and answered with a tool message; the loop ends when the LLM answers without tool calls. After
 * `maxSteps` turns with calls, one last turn without tools gives the answer.
 */
export async function runAgent(
  agent: Agent,
  llm: Llm,
  tools: RegisteredTool[],
  conversation: AgentConversation,
  { signal, onStep }: AgentRun = {},
  resume?: AgentResume,
): Promise<AgentAnswer | AgentPause> {
  const names = new FunctionNames(tools.map((tool) => tool.name));
  const byFunction = new Map(tools.map((tool) => [names.function(tool.name), tool]));
  const functions = tools.map((tool) => asFunction({ ...tool.definition, name: names.function(tool.name) }));
  const instructions: ChatCompletionMessageParam[] = [...(agent.instructions ? [{ role: 'system' as const, content: agent.instructions }] : []), ...conversation.instructions];
  const transcript: ChatCompletionMessageParam[] = resume ? [...resume.point.transcript] : [...conversation.messages];
  const steps: AgentStep[] = [];
  const record = (step: AgentStep) => {
    steps.push(step);
    onStep?.(step);
  };
  let usage: Usage | undefined;
  const ask = async (tools: ReturnType<typeof asFunction>[] | undefined, extra: ChatCompletionMessageParam[] = []) => {
    const completion = await llm.complete({ messages: [...instructions, ...transcript, ...extra], ...(tools ? { tools } : {}), ...(agent.model ? { model: agent.model } : {}) }, signal);
    usage = sum(usage, completion.usage);
    return completion.choices[0]?.message ?? { role: 'assistant' as const, content: '', refusal: null };
  };
  const answer = (content: string | null): AgentAnswer => {
    transcript.push({ role: 'assistant', content: content ?? '' });
    return { content: content ?? '', steps, usage, transcript };
  };
  // Once a tool that may change data has run, a later failure must not be answered as retry-safe.
  let mutated = resume?.point.mutated ?? false;
  /** Runs a turn's calls in order; a call whose tool asks stops the agent there. */
  const runCalls = async (calls: FunctionCall[], step: number, answers?: InputAnswers): Promise<AgentPause | undefined> => {
    for (const [i, call] of calls.entries()) {
      const tool = byFunction.get(call.function.name);
      if (tool && !isRetrySafe(tool.definition)) mutated = true;
      const done = await runCall(agent, tool, call, signal, record, i === 0 ? answers : undefined);
      if (typeof done !== 'string') {
        const point = { transcript: [...transcript], calls: calls.slice(i), step, mutated };
        return { question: done.question, tool: tool!, args: done.args, point, steps, usage };
      }
      transcript.push({ role: 'tool', tool_call_id: call.id, content: done });
    }
    return undefined;
  };
  try {
    let first = 0;
    if (resume) {
      const paused = await runCalls(resume.point.calls, resume.point.step, resume.answers);
      if (paused) return paused;
      first = resume.point.step + 1;
    }
    for (let step = first; step < agent.maxSteps; step += 1) {
      const reply = await ask(functions.length > 0 ? functions : undefined);
      const calls = (reply.tool_calls ?? []).filter((call): call is FunctionCall => call.type === 'function');
      if (calls.length === 0) return answer(reply.content);
      transcript.push({ role: 'assistant', content: reply.content ?? null, tool_calls: calls });
      const paused = await runCalls(calls, step);
      if (paused) return paused;
    }
    const last = await ask(undefined, [{ role: 'system', content: LAST_TURN }]);
    return answer(last.content);
  } catch (err) {
    if (!mutated || err instanceof CallCancelledError || !(err instanceof UpstreamError) || err.mayHaveRun) throw err;
    throw new UpstreamFailedError(`agent:${agent.name}`, `${err.message}, after the agent ran a tool that may change data`);
  }
}

function sum(total: Usage | undefined, more: Usage | undefined): Usage | undefined {
  if (!more) return total;
  return {
    prompt_tokens: (total?.prompt_tokens ?? 0) + more.prompt_tokens,
    completion_tokens: (total?.completion_tokens ?? 0) + more.completion_tokens,
    total_tokens: (total?.total_tokens ?? 0) + more.total_tokens,
  };
}

/**
 * One function call: its tool message's content, whatever happened, or the tool's question for
 * the person. Only a cancelled call stops the loop.
 */
async function runCall(
  agent: Agent,
  tool: RegisteredTool | undefined,
  call: { function: { name: string; arguments: string } },
  signal: AbortSignal | undefined,
  onStep: AgentRun['onStep'],
  answers?: InputAnswers,
): Promise<string | { question: ToolQuestion; args: Record<string, unknown> }> {
  const started = performance.now();
  const report = (args: Record<string, unknown>, content: string, isError: boolean) => {
    onStep?.({ tool: tool?.name ?? call.function.name, args, summary: summary(content), isError, ms: performance.now() - started });
    return content;
  };
  if (!tool) return report({}, `Error: there is no tool named "${call.function.name}". The tools you may call are listed as functions.`, true);
  let args: Record<string, unknown> = {};
  try {
    args = parseArguments(call.function.arguments);
    const result = await callOrAsk(tool, checkedArguments(tool, args), { signal, answers });
    if (result instanceof ToolQuestion) {
      report(args, `asks: ${Object.values(result.requests)[0]?.message ?? ''}`, false);
      return { question: result, args };
    }
    const rendered = truncate(renderAnswer(result, tool, false), agent.maxToolResultBytes, undefined, 'maxToolResultBytes');
    return report(args, result.isError ? `Tool error (isError): ${rendered}` : rendered, result.isError === true);
  } catch (err) {
    if (err instanceof CallCancelledError) throw err;
    if (err instanceof RequestError || err instanceof UpstreamError) return report(args, `Error: ${err.message.split('\n')[0]}`, true);
    throw err;
  }
}

/** The start of a result on one line: fences dropped, whitespace collapsed, cut at 120 characters. */
function summary(content: string): string {
  const line = content
    .slice(0, 2000)
    .split('\n')
    .filter((text) => !text.startsWith('```'))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
