import { DEFAULT_MAX_RESULT_BYTES, DEFAULT_MAX_TABLE_ROWS, type RenderMode } from '../config/types.js';
import { truncatedFrom } from '../upstreams/truncation.js';
import type { CallToolResult, Progress } from '../upstreams/types.js';
import { findJson } from './json-in-text.js';
import { asRows, markdownTable } from './table.js';

type ContentPart = CallToolResult['content'][number];

export interface RenderOptions {
  /** `auto`: rows as tables, other JSON as a fenced block; `table`: only the tables; `text`: as the tool wrote it. */
  mode?: Exclude<RenderMode, 'json'>;
  /** Longest answer in UTF-8 bytes (`maxResultBytes`). */
  maxBytes?: number;
  maxTableRows?: number;
  /** The tool as the caller knows it, for the line that says how to get every row. */
  tool?: string;
}

/**
 * An MCP tool result as the text of an assistant message (Markdown, which the LiteLLM UI
 * renders). Used by every face and the `call` command. Text over `maxBytes` (UTF-8) is cut, with
 * a note saying so: a silent cut would pass for the whole answer. A result cut while it was read
 * gets the note too, with the size of the message it came in.
 */
export function renderResult(result: CallToolResult, options: RenderOptions = {}): string {
  const { mode = 'auto', maxBytes = DEFAULT_MAX_RESULT_BYTES } = options;
  const content = Array.isArray(result.content) ? result.content : [];
  const hasText = content.some((part) => part.type === 'text');
  const resolved = { ...options, mode, maxBytes };
  const blocks = content.map((part) => (part.type === 'text' && mode !== 'text' ? renderText(part.text, resolved) : renderPart(part))).filter((block) => block !== '');
  if (result.structuredContent !== undefined && !hasText) {
    blocks.push((mode !== 'text' && rowsTable(result.structuredContent, resolved)) || fenced('json', JSON.stringify(result.structuredContent, null, 2)));
  }
  return truncate(blocks.join('\n\n'), maxBytes, undefined, undefined, truncatedFrom(result));
}

/** One line per progress notification: `[3/10] Copying files`. */
export function renderProgress({ progress, total, message }: Progress): string {
  const count = total === undefined ? `[${progress}]` : `[${progress}/${total}]`;
  return `${count}${message ? ` ${message}` : ''}\n`;
}

/** A text part: JSON rows become a table (after the preamble), other JSON a fenced block in `auto`. */
function renderText(text: string, options: RenderOptions & { maxBytes: number }): string {
  const found = findJson(text, options.maxBytes);
  if (!found) return text;
  // findJson only finds objects and arrays.
  const rendered = rowsTable(found.value, options) || (options.mode === 'auto' ? fenced('json', JSON.stringify(found.value, null, 2)) : '');
  if (!rendered) return text;
  return found.preamble ? `${found.preamble}\n\n${rendered}` : rendered;
}

function rowsTable(value: unknown, { maxTableRows = DEFAULT_MAX_TABLE_ROWS, tool = '<tool>' }: RenderOptions): string {
  const rows = asRows(value);
  if (!rows) return '';
  return markdownTable(
    rows,
    maxTableRows,
    (left) =>
      `*${left} more ${left === 1 ? 'row' : 'rows'} not shown (${rows.length} in all). For every row, ask for JSON ` +
      `(\`response_format: {"type": "json_object"}\`) or call \`POST /tools/${tool}\` with \`{"arguments": …}\`.*`,
  );
}

/**
 * `total` is the byte length of the whole text `text` begins (given when `text` is already a cut
 * of it); `cutFrom`, the size of the message a result was cut from while read: the note is due then
 * even when what is left fits.
 */
export function truncate(text: string, maxBytes: number, total = Buffer.byteLength(text, 'utf8'), setting = 'maxResultBytes', cutFrom?: number): string {
  if (cutFrom !== undefined) total = Math.max(total, cutFrom);
  if (total <= maxBytes) return text;
  // Only the head is encoded (every character is at least one byte), not a result of many MB.
  // Decoding a cut in the middle of a character leaves U+FFFD; drop it.
  const kept = Buffer.from(text.slice(0, maxBytes), 'utf8').subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${kept}\n\n[… result truncated to ${maxBytes} of its ${total} bytes (${setting})]`;
}

function renderPart(part: ContentPart): string {
  switch (part.type) {
    case 'text':
      return part.text;
    case 'image':
      return `![image](data:${part.mimeType};base64,${part.data})`;
    case 'audio':
      return `[audio: ${part.mimeType}, ${base64Bytes(part.data)} bytes]`;
    case 'resource_link':
      return `[${part.title ?? part.name}](${part.uri})`;
    case 'resource': {
      const { resource } = part;
      if ('text' in resource) return `${resource.uri}\n${fenced('', resource.text)}`;
      return `[resource ${resource.uri}: ${resource.mimeType ?? 'binary'}, ${base64Bytes(resource.blob)} bytes]`;
    }
    default:
      return fenced('json', JSON.stringify(part, null, 2));
  }
}

export function fenced(language: string, text: string): string {
  // A fence longer than any backtick run inside keeps the block closed where it should be.
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}
