import { DEFAULT_MAX_RESULT_BYTES } from './config/types.js';
import type { CallToolResult, Progress } from './upstreams/types.js';

type ContentPart = CallToolResult['content'][number];

/**
 * An MCP tool result as the text of an assistant message (Markdown, which the LiteLLM UI
 * renders). Used by chat answers and the `call` command alike. Text over `maxBytes` (UTF-8) is
 * cut, with a note saying so: a silent cut would pass for the whole answer.
 */
export function renderResult(result: CallToolResult, maxBytes = DEFAULT_MAX_RESULT_BYTES): string {
  const content = Array.isArray(result.content) ? result.content : [];
  const blocks = content.map(renderPart).filter((block) => block !== '');
  const hasText = content.some((part) => part.type === 'text');
  if (result.structuredContent !== undefined && !hasText) {
    blocks.push(fenced('json', JSON.stringify(result.structuredContent, null, 2)));
  }
  return truncate(blocks.join('\n\n'), maxBytes);
}

/** One progress notification as a line of text: `[3/10] Copying files`. */
export function renderProgress({ progress, total, message }: Progress): string {
  const count = total === undefined ? `[${progress}]` : `[${progress}/${total}]`;
  return `${count}${message ? ` ${message}` : ''}\n`;
}

function truncate(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // Decoding a cut in the middle of a character leaves U+FFFD; drop it.
  const kept = bytes.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '');
  return `${kept}\n\n[… result truncated to ${maxBytes} of its ${bytes.length} bytes (maxResultBytes)]`;
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

function fenced(language: string, text: string): string {
  // A fence longer than any backtick run inside keeps the block closed where it should be.
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${text}\n${fence}`;
}

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}
