import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { RequestError } from '../errors.js';
import { argumentsError, IN_CHAT_MESSAGE, type ArgumentsPlace } from '../openai/arguments.js';
import type { ToolDefinition } from '../upstreams/types.js';
import type { Llm } from './client.js';
import { FunctionNames } from './function-names.js';

const INSTRUCTIONS =
  'You fill in the arguments of one tool from what a person asked for. Call the tool exactly once, ' +
  'with arguments that follow its schema; do not invent values the request does not imply.';

/** The tool as the LLM sees it: its exposed name and schema (pinned and hidden parameters already gone). */
export function asFunction(tool: ToolDefinition): ChatCompletionTool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description ?? '', parameters: tool.inputSchema },
  };
}

/**
 * Asks the LLM for the tool's arguments, with the tool as its only function and `tool_choice`
 * forcing it; `check` validates them (throwing a RequestError). An invalid answer is sent back once
 * with the validation error; an answer in words, or a second invalid one, is the usual 400 with
 * the example to type.
 */
export async function argumentsFromLlm(
  llm: Llm,
  tool: ToolDefinition,
  text: string,
  check: (args: Record<string, unknown>) => Record<string, unknown>,
  place: ArgumentsPlace = IN_CHAT_MESSAGE,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  // The tool under a name strict providers accept as a function's.
  const offered = { ...tool, name: new FunctionNames([tool.name]).function(tool.name) };
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: INSTRUCTIONS },
    { role: 'user', content: text },
  ];
  let problem = '';
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    const completion = await llm.complete(
      { messages, tools: [asFunction(offered)], tool_choice: { type: 'function', function: { name: offered.name } } },
      signal,
    );
    const message = completion.choices[0]?.message;
    const call = message?.tool_calls?.find((candidate) => candidate.type === 'function');
    if (!message || !call || call.type !== 'function') {
      throw argumentsError(tool, `${place.noun} is not JSON, and the LLM (llm.model) answered without filling in the arguments`, place);
    }
    try {
      return check(parseArguments(call.function.arguments));
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
      problem = firstLine(err.message);
      messages.push(
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: `${problem} Call the tool again with arguments that fix this.` },
      );
    }
  }
  throw argumentsError(tool, `${place.noun} is not JSON, and the arguments the LLM derived from it are invalid: ${problem.replace(/\.$/, '')}`, place);
}

/** A function call's `arguments` string as an object; anything else is a RequestError to tell the LLM. */
export function parseArguments(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json || '{}');
  } catch {
    throw new RequestError(`The arguments are not valid JSON: ${json.slice(0, 200)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RequestError('The arguments must be a JSON object.');
  return value as Record<string, unknown>;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
