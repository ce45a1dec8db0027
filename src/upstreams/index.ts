import { DEFAULT_TIMEOUT_SECONDS, type ServerConfig } from '../config/types.js';
import { RestUpstream } from './rest.js';
import type { Upstream } from './types.js';

/**
 * Builds the upstream for one `mcpServers` entry. The MCP kinds are loaded when first needed:
 * the MCP SDK (and zod under it) is a third of start-up, and REST upstreams never use it.
 */
export function createUpstream(name: string, config: ServerConfig): Upstream {
  if (config.type === 'rest') return new RestUpstream(name, config);
  /* eslint-disable @typescript-eslint/no-require-imports */
  if ('url' in config) return new (require('./remote.js') as typeof import('./remote.js')).RemoteUpstream(name, config);
  return new (require('./stdio.js') as typeof import('./stdio.js')).StdioUpstream(name, config);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export function timeoutMs(config: ServerConfig): number {
  return (config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
}
