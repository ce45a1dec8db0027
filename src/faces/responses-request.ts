import { RequestError } from '../errors.js';
import type { ArgumentsPlace } from '../openai/arguments.js';
import { isHealthProbe } from '../openai/health-probe.js';
import { questionIdIn } from '../questions/marker.js';
import type { CallRequest, Continuation, QuestionReply } from './face.js';
import { randomId, unixSeconds } from './ids.js';
import { asksForJson, contentText, earlierText, requestObject } from './request-body.js';

/** The parts of a Responses API request (`POST /v1/responses`) the shim uses; the rest is ignored. */
export interface ResponsesRequest extends CallRequest {
  continuation: Continuation;
  /** The answer's `created_at`: when the request came. */
  createdAt: number;
}

export const RESPONSES_PLACE: ArgumentsPlace = {
  param: 'input',
  noun: 'the input',
  where: '"input" (a string, or the last user message)',
  body: (model, text) => ({ model, input: text }),
};

const TEXT_PARTS = new Set(['input_text', 'text', 'output_text']);

/**
 * The answer's id is chosen here, so a streamed answer and the stored copy of it agree.
 * `previous_response_id` and `store` count for agents only: a tool's answer depends only on this
 * request's input (LiteLLM's playground sends `previous_response_id` from a chat's second
 * Responses turn on, "Keep context on the gateway").
 */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  const { fields, model } = requestObject(body);
  const { input, stream, text, store, previous_response_id: previous } = fields;
  const { text: userText, only } = inputText(input);
  return {
    model,
    userText,
    stream: stream === true,
    healthProbe: isHealthProbe(model, only),
    json: asksForJson((text as { format?: unknown } | null | undefined)?.format),
    // Read leniently: a tool ignores both, and an agent answers an id it does not hold with a 400.
    continuation: { responseId: randomId('resp_'), store: store !== false, ...(previous !== undefined && previous !== null ? { previousResponseId: String(previous) } : {}) },
    createdAt: unixSeconds(),
    ...replyIn(input, previous),
  };
}

/**
 * The tool's question this request may answer: one the shim asked in the last assistant item of
 * `input` (clients that resend the conversation, such as LiteLLM's bridge from /v1/messages), else
 * the response named by `previous_response_id`, if that response was a question.
 */
function replyIn(input: unknown, previous: unknown): { reply?: QuestionReply } {
  if (Array.isArray(input)) {
    for (let i = input.length - 1; i >= 0; i -= 1) {
      const item = input[i] as Item;
      if (item?.role !== 'assistant') continue;
      const id = questionIdIn(earlierText(item.content));
      if (id) return { reply: { id, shown: true } };
      break;
    }
  }
  return typeof previous === 'string' && previous !== '' ? { reply: { id: previous, shown: false } } : {};
}

type Item = { type?: unknown; role?: unknown; content?: unknown } | null;

/**
 * The text of `input`: a string, or the last user message among the items (its content a string
 * or `input_text` parts). `only` is that text when it is the request's sole input, as a string.
 */
function inputText(input: unknown): { text: string; only: string | undefined } {
  if (typeof input === 'string') return { text: input, only: input };
  if (!Array.isArray(input) || input.length === 0) {
    throw new RequestError('"input" must be a string or a non-empty array of input items.', 'input', 'invalid_input');
  }
  for (let i = input.length - 1; i >= 0; i -= 1) {
    const item = input[i] as Item;
    if (item?.role === 'user' && (item.type === undefined || item.type === 'message')) {
      const text = contentText(item.content, `input[${i}].content`, TEXT_PARTS);
      return { text, only: input.length === 1 && typeof item.content === 'string' ? text : undefined };
    }
  }
  throw new RequestError(
    'There is no input item with role "user". Put the tool\'s arguments (a JSON object) in "input", or in a user message there.',
    'input',
    'no_user_message',
  );
}
