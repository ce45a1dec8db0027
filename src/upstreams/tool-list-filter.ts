import type { Tool, Transport } from '@modelcontextprotocol/client';
import { ToolSchema } from '@modelcontextprotocol/core';
import { log } from '../log.js';

/**
 * Takes the tools that the SDK's tool schema rejects out of every `tools/list` answer, with a
 * warning each, before the SDK reads the answer: on 2026-07-28 it checks the whole result, and
 * one odd tool would fail the list, the server's good tools with it. Only `tools/list` results
 * carry `tools`. To be set before the client connects: the SDK calls it ahead of its own handling.
 */
export function skipInvalidTools(transport: Transport, upstream: string): void {
  transport.onmessage = (message) => {
    const result = (message as { result?: { tools?: unknown } }).result;
    if (result && Array.isArray(result.tools)) result.tools = result.tools.flatMap((tool) => parsed(tool, upstream));
  };
}

/** The tool as the SDK's schema reads it, or nothing. */
function parsed(tool: unknown, upstream: string): Tool[] {
  const read = ToolSchema.safeParse(tool);
  if (read.success) return [read.data];
  log.warn('skipping a tool whose definition the MCP SDK rejects', {
    upstream,
    tool: (tool as { name?: unknown } | null)?.name,
    problem: read.error.issues[0]?.message,
  });
  return [];
}
