import type { CallToolResult } from '../upstreams/types.js';
import { findJson } from './json-in-text.js';
import { truncate } from './result.js';

/**
 * The result as exactly one JSON document, for programs (`response_format: json_object`, or
 * `render: json`): `structuredContent` when the tool returned it, else the JSON in its text
 * (whole, or after a preamble), else `{"text": …}`. A document over `maxBytes` cannot be cut and
 * stay JSON, so it becomes `{"text": …}` with the text cut and a note saying so.
 */
export function jsonDocument(result: CallToolResult, maxBytes: number): string {
  const text = (Array.isArray(result.content) ? result.content : [])
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n\n');
  let document: unknown = result.structuredContent;
  if (document === undefined) document = findJson(text, maxBytes)?.value;
  const json = document === undefined ? undefined : JSON.stringify(document);
  if (json !== undefined && Buffer.byteLength(json) <= maxBytes) return json;
  return JSON.stringify({ text: truncate(json ?? text, maxBytes) });
}
