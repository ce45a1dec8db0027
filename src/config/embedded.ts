import path from 'node:path';
import type { ShimConfig } from './types.js';

/**
 * Tools of the official "everything" server that are harmless to expose on a fresh install.
 * Left out on purpose: `get-env` (prints the environment), `gzip-file-as-resource` (fetches URLs),
 * and the sampling/elicitation/roots tools (they need a client with an LLM or a user behind it).
 */
export const EMBEDDED_TOOLS = [
  'echo',
  'get-sum',
  'get-tiny-image',
  'get-structured-content',
  'get-annotated-message',
  'trigger-long-running-operation',
];

/** The configuration used when no file is given: the "everything" server, a dependency, over stdio. */
export function embeddedConfig(): ShimConfig {
  const packageDir = path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json'));
  return {
    server: {},
    mcpServers: {
      everything: {
        command: process.execPath,
        args: [path.join(packageDir, 'dist', 'index.js'), 'stdio'],
        tools: { include: EMBEDDED_TOOLS },
      },
    },
  };
}
