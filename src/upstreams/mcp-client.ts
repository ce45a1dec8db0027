import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError, ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { log } from '../log.js';
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

// Lax on purpose: the SDK's strict result schema rejects a whole page for one odd tool.
const LaxToolPage = z.looseObject({ tools: z.array(z.unknown()), nextCursor: z.string().optional() });
const MAX_PAGES = 1000;

/** Reads every page of `tools/list`; a tool that fails the SDK's schema is logged and skipped. */
export async function listAllTools(client: Client, upstream: string, timeoutMs: number): Promise<ToolDefinition[]> {
  const tools: ToolDefinition[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.request(
      { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
      LaxToolPage,
      { timeout: timeoutMs },
    );
    for (const raw of result.tools) {
      const parsed = ToolSchema.safeParse(raw);
      if (parsed.success) {
        const { name, description, inputSchema, annotations } = parsed.data;
        tools.push({ name, description, inputSchema, annotations });
      } else {
        log.warn('skipping a tool whose definition the MCP SDK rejects', {
          upstream,
          tool: (raw as { name?: unknown } | null)?.name,
          problem: parsed.error.issues[0]?.message,
        });
      }
    }
    cursor = result.nextCursor;
    if (cursor === undefined || seenCursors.has(cursor)) break;
    seenCursors.add(cursor);
  }
  return tools;
}

/** Maps an MCP client failure during `tools/call` to what it means for the caller. */
export function translateCallError(err: unknown, upstream: string, tool: string, timeoutMs: number, signal?: AbortSignal): UpstreamError {
  if (signal?.aborted) return new CallCancelledError(upstream);
  if (err instanceof McpError) {
    const tooLarge = err.code === MESSAGE_TOO_LARGE ? (err.data as Partial<TooLargeData> | undefined) : undefined;
    if (typeof tooLarge?.bytes === 'number' && typeof tooLarge.limit === 'number') return new ResultTooLargeError(upstream, tool, tooLarge.bytes, tooLarge.limit);
    switch (err.code) {
      case ErrorCode.RequestTimeout:
        return new UpstreamTimeoutError(upstream, timeoutMs);
      case ErrorCode.ConnectionClosed:
        return new UpstreamFailedError(upstream, `upstream "${upstream}" closed the connection during the call; the tool may have run`);
      case ErrorCode.InvalidParams:
        return new UpstreamRejectedError(upstream, `upstream "${upstream}" rejected the arguments: ${mcpErrorText(err)}`);
      default:
        return new UpstreamFailedError(upstream, `upstream "${upstream}" answered with an error: ${mcpErrorText(err)}`);
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  // The SDK throws this before sending anything when the transport is gone.
  if (message === 'Not connected') return new UpstreamUnavailableError(upstream, `upstream "${upstream}" is not connected`);
  const code = socketErrorCode(err);
  if (code) return new UpstreamFailedError(upstream, `upstream "${upstream}" dropped the call (${code}); the tool may have run`);
  return new UpstreamFailedError(upstream, `call to upstream "${upstream}" failed: ${message}`);
}

/** McpError messages start with "MCP error -32602: "; the code means nothing to a reader. */
export function mcpErrorText(err: McpError): string {
  return err.message.replace(/^MCP error -?\d+: /, '');
}
