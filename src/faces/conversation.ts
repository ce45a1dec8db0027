import { RequestError } from '../errors.js';
import { contentText, requestObject } from './request-body.js';

/** One turn of a conversation as an agent's LLM gets it: text only. */
export interface Turn {
  role: 'system' | 'user' | 'assistant';
  content: string;
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

/** Chat completions: every message, as received. */
export function chatConversation(body: unknown): Turn[] {
  const { messages } = requestObject(body).fields;
  if (!Array.isArray(messages)) throw new RequestError('"messages" must be a non-empty array of chat messages.', 'messages', 'invalid_messages');
  return turns(messages, 'messages', new Set(['text']));
}

/**
 * Responses: `instructions`, then `input` (a string, or its message items). Nothing is stored, so
 * a conversation carried by `previous_response_id` would reach the agent without its earlier turns.
 */
export function responsesConversation(body: unknown): Turn[] {
  const { input, instructions, previous_response_id: previous } = requestObject(body).fields;
  if (previous !== undefined && previous !== null) {
    throw new RequestError(
      'mcp-model-shim stores no responses, so previous_response_id cannot carry an agent\'s conversation. Send the whole conversation in "input" (in LiteLLM\'s playground: Settings, turn off "Keep context on the gateway").',
      'previous_response_id',
      'response_not_stored',
    );
  }
  const system: Turn[] = typeof instructions === 'string' && instructions !== '' ? [{ role: 'system', content: instructions }] : [];
  if (typeof input === 'string') return [...system, { role: 'user', content: input }];
  if (!Array.isArray(input)) throw new RequestError('"input" must be a string or a non-empty array of input items.', 'input', 'invalid_input');
  return [...system, ...turns(input, 'input', new Set(['input_text', 'text', 'output_text']))];
}

/** Legacy completions: the prompt is the one user turn. */
export function completionsConversation(body: unknown): Turn[] {
  const { prompt } = requestObject(body).fields;
  const text = Array.isArray(prompt) ? prompt.filter((part) => typeof part === 'string').join('\n') : prompt;
  if (typeof text !== 'string' || text === '') throw new RequestError('"prompt" must be a non-empty string.', 'prompt', 'invalid_prompt');
  return [{ role: 'user', content: text }];
}
