import { RequestError } from '../errors.js';
import type { ArgumentsPlace } from '../openai/arguments.js';
import type { RegisteredTool } from '../registry.js';
import { findJson } from '../render/json-in-text.js';
import { truncate } from '../render/result.js';
import { truncatedFrom } from '../upstreams/truncation.js';
import type { CallToolResult } from '../upstreams/types.js';

/**
 * The OpenAPI face (`POST /openapi/{tool}`, described by `GET /openapi.json`): the request body is
 * the tool's arguments themselves, as mcpo and Open WebUI send them, and the answer is JSON for a
 * program. Finding the tool, validation, pins, limits and errors are the same call path as chat's.
 */

export const OPENAPI_PLACE: ArgumentsPlace = {
  param: 'body',
  noun: 'the request body',
  where: 'the request body',
};

/** The arguments a body holds: the body itself; none at all is `{}` (Open WebUI sends none for a tool without parameters). */
export function operationArguments(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError("The request body must be a JSON object of the tool's arguments, or empty for a tool without parameters.", OPENAPI_PLACE.param, 'invalid_arguments');
  }
  return body as Record<string, unknown>;
}

/**
 * The answer body, as JSON text (`ToolResult` in the document): `isError` (the tool's own error
 * flag: the call ran either way), `text` (its text parts joined by blank lines, cut at
 * `maxResultBytes` with a note), `data` (the result as JSON: `structuredContent`, else the JSON
 * document its text holds, whole or after a preamble; left out when there is none or it would be
 * over `maxResultBytes`), `truncated` (something was cut or left out for size), `content` (parts
 * other than text, as the tool sent them). Built as text: `data` is serialised once, to measure it.
 */
export function operationAnswer(result: CallToolResult, tool: RegisteredTool): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  const whole = parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n\n');
  const others = parts.filter((part) => part.type !== 'text');
  const maxBytes = tool.maxResultBytes;
  const cutFrom = truncatedFrom(result);
  const text = truncate(whole, maxBytes, undefined, undefined, cutFrom);
  let truncated = text !== whole;

  let data: string | undefined;
  const value = result.structuredContent ?? (truncated ? undefined : findJson(whole, maxBytes)?.value);
  if (value !== undefined && cutFrom === undefined) {
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) <= maxBytes) data = json;
    else truncated = true;
  }

  let body = `{"isError":${result.isError === true},"text":${JSON.stringify(text)}`;
  if (data !== undefined) body += `,"data":${data}`;
  if (truncated) body += ',"truncated":true';
  if (others.length > 0) body += `,"content":${JSON.stringify(others)}`;
  return `${body}}`;
}
