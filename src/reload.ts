import { isDeepStrictEqual } from 'node:util';
import type { ShimConfig } from './config/types.js';
import type { UpstreamChanges } from './registry.js';

/** What `POST /admin/reload` answers, and the log says, after a reload. */
export interface ReloadResult {
  upstreams: UpstreamChanges;
}

/**
 * Settings the running process was built with: the listener (`host`, `port`), the metrics
 * registry and the tracer, and the `state` store (whose records outlive any one config).
 * Everything else applies to calls that start after a reload.
 */
const RESTART_ONLY = ['host', 'port', 'metrics', 'traceContent'] as const;

/**
 * Why `next` cannot replace `current` in a running shim, or undefined when it can. The file
 * must keep describing the process: a changed `host` or `port` is refused even when a flag
 * overrides it now.
 */
export function reloadRefusal(current: ShimConfig, next: ShimConfig): string | undefined {
  const changed = RESTART_ONLY.filter((key) => !isDeepStrictEqual(current.server[key], next.server[key])).map((key) => `server.${key}`);
  if (!isDeepStrictEqual(current.state, next.state)) changed.push('state');
  if (changed.length === 0) return undefined;
  return `${changed.join(', ')} cannot change while the shim runs: restart it to apply ${changed.length === 1 ? 'this change' : 'these changes'}; nothing of this config was applied`;
}
