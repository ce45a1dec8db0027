import { RequestError } from '../errors.js';
import type { ArgumentsPlace } from '../openai/arguments.js';
import { isHealthProbe } from '../openai/health-probe.js';
import { questionIdIn } from '../questions/marker.js';
import type { CallRequest } from './face.js';
import { asksForJson, includesUsage, requestObject } from './request-body.js';

/** The parts of a legacy completions request (`POST /v1/completions`) the shim uses. */
export interface CompletionsRequest extends CallRequest {
  includeUsage: boolean;
}

export const COMPLETIONS_PLACE: ArgumentsPlace = {
  param: 'prompt',
  noun: 'the prompt',
  where: '"prompt"',
  body: (model, text) => ({ model, prompt: text }),
};

export function parseCompletionsRequest(body: unknown): CompletionsRequest {
  const { fields, model } = requestObject(body);
  const { prompt, stream, stream_options: streamOptions, response_format: format } = fields;
  const text = promptText(prompt);
  const reply = replyInPrompt(text);
  const userText = reply ? reply.text : text;
  return {
    model,
    userText,
    stream: stream === true,
    includeUsage: includesUsage(stream, streamOptions),
    healthProbe: isHealthProbe(model, userText),
    json: asksForJson(format),
    ...(reply ? { reply: { id: reply.id, shown: true } } : {}),
  };
}

/**
 * A prompt that holds the transcript so far, a question of the shim's in it: what follows the
 * question's last line is the answer.
 */
function replyInPrompt(prompt: string): { id: string; text: string } | undefined {
  const id = questionIdIn(prompt);
  if (!id) return undefined;
  const end = prompt.indexOf('\n', prompt.lastIndexOf(id));
  return { id, text: end < 0 ? '' : prompt.slice(end + 1) };
}

/** `prompt` is a string, or an array holding one string; token arrays and batches name no single call. */
function promptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return prompt[0];
  throw new RequestError(
    '"prompt" must be a string (or an array holding one string) with the tool\'s arguments as a JSON object; token arrays and several prompts are not supported.',
    'prompt',
    'invalid_prompt',
  );
}
