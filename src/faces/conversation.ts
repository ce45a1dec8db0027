import { RequestError } from '../errors.js';
import { contentText, requestObject } from './request-body.js';

/** One turn of a conversation as an agent's LLM gets it: text only. */
export interface Turn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * What an agent is given of a request: `instructions` apply to this call only (a Responses
 * request's `instructions`, which OpenAI does not carry to the next response either); `messages`
 * are the conversation, which a stored response carries on.
 */
export interface Conversation {
  instructions: Turn[];
  messages: Turn[];
}

const ROLES: Record<string, Turn['role']> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

/** Items with a role and text content become turns; anything else (tool traffic, images) is left out. */
function turns(items: unknown[], param: string, textTypes: ReadonlySet<string>): Turn[] {
  const out: Turn[] = [];
  items.forEach((item, i) => {
    const { role, content } = (item ?? {}) as { role?: unknown; content?: unknown };
    const mapped = typeof role === 'string' ? ROLES[role] : undefined;
    if (!mapped) return;
    const text = contentText(content, `${param}[${i}].content`, textTypes);
    if (text !== '') out.push({ role: mapped, content: text });
  });
  if (!out.some((turn) => turn.role === 'user')) {
    throw new RequestError(`There is no user message in "${param}" for the agent to answer.`, param, 'no_user_message');
  }
  return out;
}

/** Chat completions: every message, as received (the client sends the whole conversation every time). */
export function chatConversation(body: unknown): Conversation {
  const { messages } = requestObject(body).fields;
  if (!Array.isArray(messages)) throw new RequestError('"messages" must be a non-empty array of chat messages.', 'messages', 'invalid_messages');
  return { instructions: [], messages: turns(messages, 'messages', new Set(['text'])) };
}

/** Responses: `instructions`, and `input` (a string, or its message items); earlier turns come from `previous_response_id`. */
export function responsesConversation(body: unknown): Conversation {
  const { input, instructions } = requestObject(body).fields;
  const system: Turn[] = typeof instructions === 'string' && instructions !== '' ? [{ role: 'system', content: instructions }] : [];
  if (typeof input === 'string') return { instructions: system, messages: [{ role: 'user', content: input }] };
  if (!Array.isArray(input)) throw new RequestError('"input" must be a string or a non-empty array of input items.', 'input', 'invalid_input');
  return { instructions: system, messages: turns(input, 'input', new Set(['input_text', 'text', 'output_text'])) };
}

/** Legacy completions: the prompt is the one user turn. */
export function completionsConversation(body: unknown): Conversation {
  const { prompt } = requestObject(body).fields;
  const text = Array.isArray(prompt) ? prompt.filter((part) => typeof part === 'string').join('\n') : prompt;
  if (typeof text !== 'string' || text === '') throw new RequestError('"prompt" must be a non-empty string.', 'prompt', 'invalid_prompt');
  return { instructions: [], messages: [{ role: 'user', content: text }] };
}
