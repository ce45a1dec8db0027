import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode, type Client, type Tool } from '@modelcontextprotocol/client';
import { z } from 'zod';
import {
  CallCancelledError,
  ResultTooLargeError,
  UpstreamFailedError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './errors.js';
import { MESSAGE_TOO_LARGE, type TooLargeData } from './jsonrpc-reader.js';
import { socketErrorCode } from './network.js';
import type { ToolDefinition } from './types.js';

// The tools the SDK's schema rejects are already out (tool-list-filter.ts); `ttlMs` is read here.
const ToolPage = z.looseObject({ tools: z.array(z.custom<Tool>()), nextCursor: z.string().optional(), ttlMs: z.number().optional() });
const MAX_PAGES = 1000;

export interface ToolList {
  tools: ToolDefinition[];
  /** How long the list stays fresh, when the server says (`ttlMs`, the 2026-07-28 revision): the shortest of its pages. */
  ttlMs?: number;
}

/** Reads every page of `tools/list`. */
export async function listAllTools(client: Client, timeoutMs: number): Promise<ToolList> {
  const tools: ToolDefinition[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  let ttlMs: number | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      ToolPage,
      { timeout: timeoutMs },
    );
    if (result.ttlMs !== undefined) ttlMs = Math.min(ttlMs ?? Infinity, result.ttlMs);
    for (const { name, description, inputSchema, annotations } of result.tools) tools.push({ name, description, inputSchema, annotations });
    cursor = result.nextCursor;
    if (cursor === undefined || seenCursors.has(cursor)) break;
    seenCursors.add(cursor);
  }
  return { tools, ...(ttlMs === undefined ? {} : { ttlMs }) };
}

/** Maps an MCP client failure during `tools/call` to what it means for the caller. */
export function translateCallError(err: unknown, upstream: string, tool: string, timeoutMs: number, signal?: AbortSignal): UpstreamError {
  if (signal?.aborted) return new CallCancelledError(upstream);
  if (err instanceof ProtocolError) {
    const tooLarge = err.code === MESSAGE_TOO_LARGE ? (err.data as Partial<TooLargeData> | undefined) : undefined;
    if (typeof tooLarge?.bytes === 'number' && typeof tooLarge.limit === 'number') return new ResultTooLargeError(upstream, tool, tooLarge.bytes, tooLarge.limit);
    if (err.code === ProtocolErrorCode.InvalidParams) return new UpstreamRejectedError(upstream, `upstream "${upstream}" rejected the arguments: ${mcpErrorText(err)}`);
    return new UpstreamFailedError(upstream, `upstream "${upstream}" answered with an error: ${mcpErrorText(err)}`);
  }
  if (err instanceof SdkError) {
    switch (err.code) {
      case SdkErrorCode.RequestTimeout:
        return new UpstreamTimeoutError(upstream, timeoutMs);
      case SdkErrorCode.ConnectionClosed:
        return new UpstreamFailedError(upstream, `upstream "${upstream}" closed the connection during the call; the tool may have run`);
      case SdkErrorCode.NotConnected:
        return notConnected(upstream);
      default:
        break;
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  // The SDK throws this before sending anything when the transport is gone.
  if (message === 'Not connected') return notConnected(upstream);
  const code = socketErrorCode(err);
  if (code) return new UpstreamFailedError(upstream, `upstream "${upstream}" dropped the call (${code}); the tool may have run`);
  return new UpstreamFailedError(upstream, `call to upstream "${upstream}" failed: ${message}`);
}

function notConnected(upstream: string): UpstreamError {
  return new UpstreamUnavailableError(upstream, `upstream "${upstream}" is not connected`);
}

/** A protocol error's message without the "MCP error -32602: " some servers put before it; the code means nothing to a reader. */
export function mcpErrorText(err: ProtocolError): string {
  return err.message.replace(/^MCP error -?\d+: /, '');
}
