import { RequestError } from '../errors.js';

/** A model name as LiteLLM's `openai/` provider may send it, without that prefix. */
export function withoutProvider(model: string): string {
  return model.replace(/^openai\//, '');
}

/** What every face checks first: the body is an object, and `model` (when sent) a string, `openai/` stripped. */
export function requestObject(body: unknown): { fields: Record<string, unknown>; model: string | undefined } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError('The request body must be a JSON object (send Content-Type: application/json).', null, 'invalid_body');
  }
  const fields = body as Record<string, unknown>;
  const { model } = fields;
  if (model !== undefined && typeof model !== 'string') throw new RequestError('"model" must be a string.', 'model', 'invalid_type');
  return { fields, model: model === undefined ? undefined : withoutProvider(model) };
}

/**
 * Message content as text: a string, or the text parts of an array. `textTypes` are the part
 * types that carry text (`text` in chat; `input_text`, `output_text` and `text` in the Responses API).
 */
export function contentText(content: unknown, param: string, textTypes: ReadonlySet<string>): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .filter((part): part is { type: string; text: string } => textTypes.has(part?.type) && typeof part.text === 'string')
      .map((part) => part.text)
      .join('\n');
  }
  throw new RequestError(`"${param}" must be a string or an array of content parts.`, param, 'invalid_content');
}

/** An earlier message's text, read leniently: the shim never rejects a request for what it does not use. */
export function earlierText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { text?: unknown } | null) => (typeof part?.text === 'string' ? part.text : '')).join('\n');
}

/** A `response_format` (chat, completions) or `text.format` (Responses) that asks for JSON; a schema is not enforced. */
export function asksForJson(format: unknown): boolean {
  const type = (format as { type?: unknown } | null | undefined)?.type;
  return type === 'json_object' || type === 'json_schema';
}

/** `stream_options.include_usage`, which counts only on a streamed request (chat, completions). */
export function includesUsage(stream: unknown, streamOptions: unknown): boolean {
  return stream === true && (streamOptions as { include_usage?: unknown } | null | undefined)?.include_usage === true;
}
