import type { RegisteredTool } from '../registry.js';
import type { CallToolResult } from '../upstreams/types.js';
import { jsonDocument } from './json-document.js';
import { renderResult } from './result.js';

/**
 * A tool's result as the content of an answer: one JSON document when the caller asked for JSON
 * (`response_format`) or the tool is configured `render: json`, else Markdown as its `render` says.
 */
export function renderAnswer(result: CallToolResult, tool: RegisteredTool, asJson: boolean): string {
  if (asJson || tool.render === 'json') return jsonDocument(result, tool.maxResultBytes);
  return renderResult(result, { mode: tool.render, maxBytes: tool.maxResultBytes, maxTableRows: tool.maxTableRows, tool: tool.name });
}
