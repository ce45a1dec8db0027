import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { callableUrl } from './bind-address.js';

/**
 * `serve` writes the URL it bound to `$MCP_SHIM_ADDRESS_FILE` when that is set, so a health check
 * in the same container (the image's HEALTHCHECK) finds the port whichever way it was chosen:
 * `--port`, the config file, `PORT` or port 0.
 */
export const ADDRESS_FILE_ENV = 'MCP_SHIM_ADDRESS_FILE';

export function writeAddressFile(url: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env[ADDRESS_FILE_ENV];
  if (file) writeFileSync(file, `${url}\n`);
}

export function removeAddressFile(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[ADDRESS_FILE_ENV];
  if (file) rmSync(file, { force: true });
}

/** The URL to probe: the address file's when there is one, else loopback on `PORT` or 8080. */
export function probeUrl(env: NodeJS.ProcessEnv = process.env): string {
  const file = env[ADDRESS_FILE_ENV];
  if (file) {
    try {
      return callableUrl(readFileSync(file, 'utf8').trim());
    } catch {
      // Not written yet (still starting) or not this process's: fall through to the default.
    }
  }
  return `http://127.0.0.1:${env.PORT || 8080}`;
}
