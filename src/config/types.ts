/** The configuration file as users write it (after `${VAR}` interpolation and defaults). */

export interface ToolFilter {
  /** Glob patterns; when given, only matching tools are exposed. */
  include?: string[];
  /** Glob patterns; matching tools are never exposed. */
  exclude?: string[];
}

interface CommonServerConfig {
  enabled?: boolean;
  timeoutSeconds?: number;
  tools?: ToolFilter;
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

export type ServerConfig = StdioServerConfig | RestServerConfig;

export interface ShimConfig {
  server: { host: string; port: number };
  mcpServers: Record<string, ServerConfig>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;
export const DEFAULT_TIMEOUT_SECONDS = 120;
