import { RequestError } from '../errors.js';
import { isHealthProbe } from './health-probe.js';

/** The parts of a chat completion request the shim uses; every other field is ignored. */
export interface ChatRequest {
  /** `body.model` with any `openai/` prefix removed. */
  model: string | undefined;
  /** Text of the last user message. */
  userText: string;
  stream: boolean;
  includeUsage: boolean;
  /** LiteLLM's health check, to be answered without running the tool. */
  healthProbe: boolean;
}

export function parseChatRequest(body: unknown): ChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError('The request body must be a JSON object (send Content-Type: application/json).', null, 'invalid_body');
  }
  const { model, messages, stream, stream_options: streamOptions } = body as Record<string, unknown>;
  if (model !== undefined && typeof model !== 'string') throw new RequestError('"model" must be a string.', 'model', 'invalid_type');
  const bareModel = model?.replace(/^openai\//, '');
  return {
    model: bareModel,
    userText: lastUserText(messages),
    stream: stream === true,
    includeUsage: stream === true && (streamOptions as { include_usage?: unknown } | undefined)?.include_usage === true,
    healthProbe: isHealthProbe(bareModel, messages),
  };
}

/** The text of the last message with role "user": a string, or the text parts of an array. */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestError('"messages" must be a non-empty array of chat messages.', 'messages', 'invalid_messages');
  }
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i] as { role?: unknown; content?: unknown } | null;
    if (message?.role === 'user') return contentText(message.content, `messages[${i}].content`);
  }
  throw new RequestError(
    'There is no message with role "user". Put the tool\'s arguments (a JSON object) in a user message.',
    'messages',
    'no_user_message',
  );
}

function contentText(content: unknown, param: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .filter((part): part is { type: 'text'; text: string } => part?.type === 'text' && typeof part.text === 'string')
      .map((part) => part.text)
      .join('\n');
  }
  throw new RequestError(`"${param}" must be a string or an array of content parts.`, param, 'invalid_content');
}
