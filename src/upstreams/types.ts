import type { CallToolResult, Progress, ToolAnnotations } from '@modelcontextprotocol/client';
import type { InputAnswers, ToolQuestion } from './input-required.js';

export type { CallToolResult, Progress };

/** A tool as its upstream describes it, whatever the transport. */
export interface ToolDefinition {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: ToolAnnotations;
}

export type UpstreamKind = 'stdio' | 'rest' | 'streamable-http' | 'sse';

export type UpstreamState = 'connecting' | 'ready' | 'down';

export interface UpstreamHealth {
  state: UpstreamState;
  /** How many times the connection was re-established after a failure. */
  restarts: number;
  /** The last failure, already free of secrets. */
  lastError?: string;
}

export interface CallOptions {
  timeoutMs: number;
  /** Aborted when the HTTP client goes away; the upstream call is cancelled. */
  signal?: AbortSignal;
  /** Progress the server reports while the tool runs; each one also restarts the timeout. */
  onProgress?: (progress: Progress) => void;
  /** W3C trace context of the call's span: sent in `params._meta` (MCP) or as headers (REST). */
  traceContext?: Record<string, string>;
  /** The person's answers to the question this call stopped at: the call resumes with them. */
  answers?: InputAnswers;
}

/**
 * One MCP server, whatever the transport. Implementations keep their own connection alive and
 * call `onToolsChanged` whenever the tool list may differ from the last one read (reconnects,
 * `notifications/tools/list_changed`).
 */
export interface Upstream {
  readonly name: string;
  /** The transport; for a remote entry without `type`, the one that answered. */
  readonly kind: UpstreamKind;
  /** The MCP session id, for transports that have one (streamable HTTP). */
  readonly sessionId?: string;
  onToolsChanged?: () => void;
  /** Connects if needed and reads the whole tool list. */
  listTools(): Promise<ToolDefinition[]>;
  /** The tool's result, or the question it asks before it goes on (MCP servers only). */
  callTool(name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult | ToolQuestion>;
  health(): UpstreamHealth;
  close(): Promise<void>;
}
