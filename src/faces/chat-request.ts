import { RequestError } from '../errors.js';
import { IN_CHAT_MESSAGE } from '../openai/arguments.js';
import { isHealthProbe } from '../openai/health-probe.js';
import { questionIdIn } from '../questions/marker.js';
import type { CallRequest, QuestionReply } from './face.js';
import { asksForJson, contentText, earlierText, includesUsage, requestObject } from './request-body.js';

/** The parts of a chat completion request the shim uses; every other field is ignored. */
export interface ChatRequest extends CallRequest {
  includeUsage: boolean;
}

export const CHAT_PLACE = IN_CHAT_MESSAGE;

const TEXT_PARTS = new Set(['text']);

export function parseChatRequest(body: unknown): ChatRequest {
  const { fields, model } = requestObject(body);
  const { messages, stream, stream_options: streamOptions, response_format: format } = fields;
  const userText = lastUserText(messages);
  const reply = questionBefore(messages as unknown[]);
  return {
    model,
    userText,
    stream: stream === true,
    includeUsage: includesUsage(stream, streamOptions),
    healthProbe: isHealthProbe(model, onlyUserText(messages)),
    json: asksForJson(format),
    ...(reply ? { reply } : {}),
  };
}

/**
 * The question the last user message answers: one the shim asked in the assistant message just
 * before it (clients resend the whole conversation, the shim's questions included).
 */
function questionBefore(messages: unknown[]): QuestionReply | undefined {
  let i = messages.length - 1;
  while (i >= 0 && (messages[i] as { role?: unknown } | null)?.role !== 'user') i -= 1;
  for (i -= 1; i >= 0; i -= 1) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message?.role === 'user') return undefined;
    if (message?.role !== 'assistant') continue;
    const id = questionIdIn(earlierText(message.content));
    return id ? { id, shown: true } : undefined;
  }
  return undefined;
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
