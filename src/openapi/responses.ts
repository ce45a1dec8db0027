import type { Schema } from './schemas.js';

/**
 * The answers every operation shares, as document components: the tool's result (200) and the
 * errors the shim already answers with (OpenAI's error shape), one response per status.
 * `openai/errors.ts` is where each status comes from.
 */

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });

export const TOOL_RESULT: Schema = {
  type: 'object',
  description: "The tool's result, for programs. The call ran whatever `isError` says.",
  required: ['isError', 'text'],
  properties: {
    isError: { type: 'boolean', description: 'The tool reported an error (MCP `isError`); `text` says what went wrong.' },
    text: { type: 'string', description: "The tool's text parts joined by blank lines, as it wrote them; cut at maxResultBytes, with a note." },
    data: { description: "The result as JSON: the tool's structuredContent, else the JSON document its text holds (whole, or after a preamble). Absent when there is none, or when it is over maxResultBytes." },
    truncated: { type: 'boolean', description: 'Present and true when text was cut or data left out for size.' },
    content: {
      type: 'array',
      description: 'Parts other than text (images, audio, resources, links), as MCP content parts.',
      items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
    },
  },
};

export const ERROR: Schema = {
  type: 'object',
  description: "OpenAI's error shape.",
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: { type: 'string' },
        param: { type: ['string', 'null'] },
        code: { type: ['string', 'null'] },
      },
    },
  },
};

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before a retry.', schema: { type: 'string' } } };
const noRetry = { 'x-should-retry': { description: '`false`: the openai clients must not retry.', schema: { type: 'string' } } };

function error(description: string, headers?: Record<string, unknown>) {
  return { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
}

export const RESPONSES = {
  ToolResult: {
    description: "The tool ran. A tool's own error is a 200 too, with `isError: true` and the header `x-mcp-tool-error: true`.",
    headers: { 'x-mcp-tool-error': { description: '`true` when the tool reported an error.', schema: { type: 'string' } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ToolResult' } } },
  },
  BadRequest: error('Invalid arguments (the message shows the JSON to send), or a body that is not a JSON object. Nothing ran.'),
  Unauthorized: error('Missing or invalid API key.'),
  NotFound: error('No such tool, or not one this API key may use.'),
  PayloadTooLarge: error('The body is over server.maxBodyBytes. Nothing ran.'),
  MayHaveRun: error('The call failed after it may have run (the tool is not marked read-only or idempotent), or its answer was over maxMessageBytes. Not retried: a repeat may not be harmless.', noRetry),
  Busy: error('The server has too many calls running and queued. Nothing ran: retry after a moment.', retryAfter),
  InternalError: error('An error inside the shim; its log has the details.'),
  UpstreamFailed: error('The MCP server failed the call of a read-only or idempotent tool: safe to retry.'),
  Unavailable: error('The MCP server is not connected. Nothing was sent: safe to retry.', retryAfter),
  UpstreamTimeout: error('The read-only or idempotent tool did not answer in time: safe to retry.'),
} as const;

/** An operation's responses; 502 and 504 only where a retry is safe, 401 only with keys. */
export function operationResponses(retrySafe: boolean, secured: boolean): Record<string, unknown> {
  return {
    200: ref('ToolResult'),
    400: ref('BadRequest'),
    ...(secured ? { 401: ref('Unauthorized') } : {}),
    404: ref('NotFound'),
    413: ref('PayloadTooLarge'),
    424: ref('MayHaveRun'),
    429: ref('Busy'),
    500: ref('InternalError'),
    ...(retrySafe ? { 502: ref('UpstreamFailed') } : {}),
    503: ref('Unavailable'),
    ...(retrySafe ? { 504: ref('UpstreamTimeout') } : {}),
  };
}
