/** The configuration file as users write it (after `${VAR}` interpolation and defaults). */

export interface ToolFilter {
  /** Glob patterns; when given, only matching tools are exposed. */
  include?: string[];
  /** Glob patterns; matching tools are never exposed. */
  exclude?: string[];
}

/**
 * How answers are rendered: `auto` (rows as tables, other JSON as a fenced block), `table` (only
 * the tables), `json` (one JSON document, as `response_format: json_object` asks), `text` (as the
 * tool wrote it).
 */
export type RenderMode = 'auto' | 'table' | 'json' | 'text';

interface Rendering {
  render?: RenderMode;
  /** Rows shown in a table; a line says how many more there are. */
  maxTableRows?: number;
}

interface CommonServerConfig extends Rendering {
  enabled?: boolean;
  timeoutSeconds?: number;
  tools?: ToolFilter;
  /** Put before each tool name to make the exposed name (`pg_` + `query` = `pg_query`). */
  prefix?: string;
  /** Longest rendered answer, in UTF-8 bytes; longer ones are cut with a visible note. */
  maxResultBytes?: number;
  /** Largest message read from the server; a larger answer fails its call alone (`result_too_large`). */
  maxMessageBytes?: number;
  /** Expose only tools annotated `readOnlyHint: true` (or named in `tools.include`). */
  readOnly?: boolean;
  /** Calls running at once on this server; more wait in a queue of `maxQueuedCalls`. */
  maxConcurrentCalls?: number;
  maxQueuedCalls?: number;
}

/** `tools.<exposed name or glob>` in the config. */
export interface ToolPolicy extends Rendering {
  /** Arguments forced to these values and removed from the exposed schema. */
  pin?: Record<string, unknown>;
  /** Parameters removed from the exposed schema; sending one is a 400. */
  hide?: string[];
  timeoutSeconds?: number;
  /** `llm`: a message that is not JSON is turned into arguments by the `llm` section's model. */
  fromText?: 'llm';
  /**
   * Arguments derived from text for a tool not annotated read-only or idempotent are shown, not
   * run, until the person sends them as JSON; `false` runs them at once.
   */
  confirm?: boolean;
}

/** The OpenAI-compatible endpoint the shim asks for language work (normally the LiteLLM proxy). */
export interface LlmConfig {
  /** As the openai client's `baseURL`, e.g. `http://litellm:4000/v1`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutSeconds?: number;
}

/** An MCP server started as a child process (Claude Desktop / Cursor `mcpServers` layout). */
export interface StdioServerConfig extends CommonServerConfig {
  type?: 'stdio';
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** The field report's REST adapter: `GET /tools`, `POST /tools/{name}`, `GET /health`. */
export interface RestServerConfig extends CommonServerConfig {
  type: 'rest';
  url: string;
  headers?: Record<string, string>;
}

/** A remote MCP server; without `type`, streamable HTTP is tried first, then SSE. */
export interface RemoteServerConfig extends CommonServerConfig {
  type?: RemoteTransportKind;
  url: string;
  headers?: Record<string, string>;
}

export type RemoteTransportKind = 'streamable-http' | 'sse';

export type ServerConfig = StdioServerConfig | RestServerConfig | RemoteServerConfig;

/** A key for all tools, or a named key limited to tools matching glob patterns. */
export type ApiKeyConfig = string | { name?: string; key: string; tools?: string[]; admin?: boolean };

/** `agents.<name>`: a model that answers with an LLM which calls these tools (see agents/run.ts). */
export interface AgentConfig {
  /** Globs over exposed tool names. */
  tools: string[];
  /** Sent as a system message before the conversation. */
  instructions?: string;
  /** The LLM model; default `llm.model`. */
  model?: string;
  /** LLM turns that may call tools; then one last turn without tools answers. */
  maxSteps?: number;
  /** Offer tools not annotated read-only too. */
  allowMutations?: boolean;
  /** A tool result fed back to the LLM is cut here, with a note. */
  maxToolResultBytes?: number;
}

/**
 * `state`: where records that outlive a request (agents' stored responses) are kept, and their
 * bounds; the oldest are evicted first.
 */
export interface StateConfig {
  /** A Redis URL: records are kept there, shared by every replica naming it. Without it, in memory. */
  redisUrl?: string;
  maxEntries?: number;
  /** UTF-8 bytes of the stored values. */
  maxBytes?: number;
  ttlSeconds?: number;
}

export interface ShimConfig {
  /** host and port as the config file says them: see bind-address.ts for the order with flags and env. */
  server: { host?: string; port?: number; apiKeys?: ApiKeyConfig[]; maxBodyBytes?: number; shutdownGraceSeconds?: number; shutdownDelaySeconds?: number; metrics?: boolean; traceContent?: boolean; docs?: boolean };
  tools?: Record<string, ToolPolicy>;
  mcpServers: Record<string, ServerConfig>;
  llm?: LlmConfig;
  agents?: Record<string, AgentConfig>;
  state?: StateConfig;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_TIMEOUT_SECONDS = 120;
export const DEFAULT_MAX_CONCURRENT_CALLS = 32;
export const DEFAULT_MAX_QUEUED_CALLS = 64;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_SHUTDOWN_GRACE_SECONDS = 10;
export const DEFAULT_LLM_TIMEOUT_SECONDS = 60;
export const DEFAULT_AGENT_MAX_STEPS = 10;
export const DEFAULT_AGENT_MAX_TOOL_RESULT_BYTES = 16 * 1024;
export const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;
export const DEFAULT_MAX_TABLE_ROWS = 50;
export const DEFAULT_STATE_MAX_ENTRIES = 10_000;
export const DEFAULT_STATE_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_STATE_TTL_SECONDS = 24 * 60 * 60;
