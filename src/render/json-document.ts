import { truncatedFrom } from '../upstreams/truncation.js';
import type { CallToolResult } from '../upstreams/types.js';
import { findJson } from './json-in-text.js';
import { truncate } from './result.js';

/**
 * The result as exactly one JSON document, for programs (`response_format: json_object`, or
 * `render: json`): `structuredContent` when the tool returned it, else the JSON in its text
 * (whole, or after a preamble), else `{"text": …}`. A document over `maxBytes` cannot be cut and
 * stay JSON, so it becomes `{"text": …}` with the text cut and a note saying so; so does a result
 * cut while it was read (its JSON would parse, but would not be all of it).
 */
export function jsonDocument(result: CallToolResult, maxBytes: number): string {
  const text = (Array.isArray(result.content) ? result.content : [])
    .flatMap((part) => (part.type === 'text' ? [part.text] : []))
    .join('\n\n');
  let document: unknown = result.structuredContent;
  if (document === undefined) document = findJson(text, maxBytes)?.value;
  const json = document === undefined ? undefined : JSON.stringify(document);
  const cutFrom = truncatedFrom(result);
  if (json !== undefined && cutFrom === undefined && Buffer.byteLength(json) <= maxBytes) return json;
  return textDocument(json ?? text, maxBytes, cutFrom);
}

/** `{"text": …}` within `maxBytes`: escaping (quotes, newlines) grows the text, so the cut shrinks until it fits. */
function textDocument(text: string, maxBytes: number, cutFrom?: number): string {
  const total = Math.max(Buffer.byteLength(text, 'utf8'), cutFrom ?? 0);
  // Every character is at least a byte: the first maxBytes of them hold any cut (a result of many MB is not re-read).
  const head = text.length > maxBytes ? text.slice(0, maxBytes) : text;
  let budget = maxBytes;
  for (;;) {
    const document = JSON.stringify({ text: truncate(head, budget, total) });
    const size = Buffer.byteLength(document);
    if (size <= maxBytes || budget <= 1) return document;
    // Escaping grows the text about evenly: scale the cut by how much it overshot.
    budget = Math.max(1, Math.floor((budget * maxBytes) / size) - 16);
  }
}
