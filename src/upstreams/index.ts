import { DEFAULT_TIMEOUT_SECONDS, type ServerConfig } from '../config/types.js';
import { RemoteUpstream } from './remote.js';
import { RestUpstream } from './rest.js';
import { StdioUpstream } from './stdio.js';
import type { Upstream } from './types.js';

/** Builds the upstream for one `mcpServers` entry. */
export function createUpstream(name: string, config: ServerConfig): Upstream {
  if (config.type === 'rest') return new RestUpstream(name, config);
  if ('url' in config) return new RemoteUpstream(name, config);
  return new StdioUpstream(name, config);
}

export function timeoutMs(config: ServerConfig): number {
  return (config.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
}
