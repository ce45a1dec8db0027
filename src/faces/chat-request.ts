import { RequestError } from '../errors.js';
import { IN_CHAT_MESSAGE } from '../openai/arguments.js';
import { isHealthProbe } from '../openai/health-probe.js';
import type { CallRequest } from './face.js';
import { asksForJson, contentText, includesUsage, requestObject } from './request-body.js';

/** The parts of a chat completion request the shim uses; every other field is ignored. */
export interface ChatRequest extends CallRequest {
  includeUsage: boolean;
}

export const CHAT_PLACE = IN_CHAT_MESSAGE;

const TEXT_PARTS = new Set(['text']);

export function parseChatRequest(body: unknown): ChatRequest {
  const { fields, model } = requestObject(body);
  const { messages, stream, stream_options: streamOptions, response_format: format } = fields;
  return {
    model,
    userText: lastUserText(messages),
    stream: stream === true,
    includeUsage: includesUsage(stream, streamOptions),
    healthProbe: isHealthProbe(model, onlyUserText(messages)),
    json: asksForJson(format),
  };
}

/** The text of the last message with role "user": a string, or the text parts of an array. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestError('"messages" must be a non-empty array of chat messages.', 'messages', 'invalid_messages');
  }
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message?.role === 'user') return contentText(message.content, `messages[${i}].content`, TEXT_PARTS);
  }
  throw new RequestError(
    'There is no message with role "user". Put the tool\'s arguments (a JSON object) in a user message.',
    'messages',
    'no_user_message',
  );
}

/** The content of a lone user message given as a string (what LiteLLM's health check sends). */
function onlyUserText(messages: unknown): string | undefined {
  if (!Array.isArray(messages) || messages.length !== 1) return undefined;
  const [message] = messages as { role?: unknown; content?: unknown }[];
  return message?.role === 'user' && typeof message.content === 'string' ? message.content : undefined;
}
