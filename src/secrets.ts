import type { ShimConfig } from './config/types.js';

/** Shorter values (`1`, `true`, a port) are no secret, and replacing them would garble text. */
const MIN_SECRET_LENGTH = 6;
const REDACTED = '[redacted]';

let secrets: string[] = [];

/**
 * Every value of the configuration that may be secret: API keys, pinned arguments, stdio `env`
 * values, `headers` values, and credentials in upstream and Redis URLs. Errors, logs and /health pass
 * through `redact`, so none of them can carry one out — even when an upstream echoes it back.
 */
export function secretsOf(config: ShimConfig): string[] {
  const found: unknown[] = [];
  for (const key of config.server.apiKeys ?? []) found.push(typeof key === 'string' ? key : key.key);
  for (const policy of Object.values(config.tools ?? {})) found.push(...Object.values(policy.pin ?? {}));
  found.push(config.llm?.apiKey, ...urlCredentials(config.llm?.baseUrl ?? ''), ...urlCredentials(config.state?.redisUrl ?? ''));
  for (const server of Object.values(config.mcpServers)) {
    if ('env' in server) found.push(...Object.values(server.env ?? {}));
    if ('headers' in server) found.push(...Object.values(server.headers ?? {}));
    if ('url' in server) found.push(...urlCredentials(server.url));
  }
  const strings = found.filter((value): value is string => typeof value === 'string' && value.length >= MIN_SECRET_LENGTH);
  // Longest first, so a secret containing another is replaced whole.
  return [...new Set(strings)].sort((a, b) => b.length - a.length);
}

function urlCredentials(url: string): string[] {
  try {
    const { username, password } = new URL(url);
    return [username, password, decodeURIComponent(password)].filter(Boolean);
  } catch {
    return [];
  }
}

/** Registers the secrets of the configuration in use (one per process). */
export function useSecrets(values: string[]): void {
  secrets = values;
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** `redact` through every string of a value (log fields hold objects, e.g. arguments); a cycle becomes "[Circular]". */
export function redactValue(value: unknown): unknown {
  return secrets.length === 0 ? value : redactWithin(value, new Set());
}

function redactWithin(value: unknown, path: Set<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value !== 'object') return value;
  if (path.has(value)) return '[Circular]';
  path.add(value);
  const copy = Array.isArray(value)
    ? value.map((item) => redactWithin(item, path))
    : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactWithin(item, path)]));
  path.delete(value);
  return copy;
}
