import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { ApiKeyConfig } from '../config/types.js';
import { globMatcher } from '../glob.js';
import type { ToolRegistry, ToolView } from '../registry.js';

interface Key extends Caller {
  digest: Buffer;
}

/** Who called, once authenticated: the key's name and the tools it may use. */
export interface Caller {
  name: string;
  allows: (tool: string) => boolean;
  /** The key has a `tools` allow-list: it sees only some tools. */
  restricted: boolean;
  /** `admin: true`: may reload the config (`POST /admin/reload`). */
  admin: boolean;
  /** Whose records (stored responses) are its own: a digest of the key, the same on every replica and after a reorder of the keys. */
  owner: string;
}

// Docker and Kubernetes probe without credentials; the probes name upstreams, never their addresses.
const PROBES = new Set(['/health', '/ready']);

const sha256 = (text: string) => createHash('sha256').update(text).digest();

function toKeys(configs: ApiKeyConfig[]): Key[] {
  return configs.map((config, i) => {
    const { key, name = `key${i + 1}`, tools, admin = false } = typeof config === 'string' ? { key: config } : config;
    const digest = sha256(key);
    const owner = createHash('sha256').update('mcp-model-shim owner\0').update(digest).digest('hex').slice(0, 32);
    return { name, digest, allows: tools ? globMatcher(tools) : () => true, restricted: tools !== undefined, admin, owner };
  });
}

/** `Authorization: Bearer <key>` (any case) or `x-api-key: <key>`. */
function presentedKey(authorization: string | undefined, apiKey: string | string[] | undefined): string | undefined {
  const bearer = /^bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  return bearer || (typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined);
}

/** Compares digests in constant time, and against every key, so timing tells nothing. */
function match(keys: Key[], presented: string): Key | undefined {
  const digest = sha256(presented);
  let found: Key | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, digest) && !found) found = key;
  return found;
}

/**
 * Checks the API key on every route but the probes (`GET /health`, `GET /ready`) when keys are configured; the caller's
 * allow-list then decides which tools exist for it. Without keys, everybody sees every tool
 * (and the shim only binds loopback, see server.ts).
 */
export function authenticate(configs: ApiKeyConfig[] | undefined): RequestHandler {
  if (!configs || configs.length === 0) return (_req, _res, next) => next();
  const keys = toKeys(configs);
  return (req, res, next) => {
    if (req.method === 'GET' && PROBES.has(req.path)) return next();
    const presented = presentedKey(req.headers.authorization, req.headers['x-api-key']);
    const key = presented === undefined ? undefined : match(keys, presented);
    if (!key) {
      res.status(401).json({
        error: {
          message: presented === undefined ? 'Missing API key: send "Authorization: Bearer <key>".' : 'Invalid API key.',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
      return;
    }
    res.locals.caller = { name: key.name, allows: key.allows, restricted: key.restricted, admin: key.admin, owner: key.owner } satisfies Caller;
    next();
  };
}

/** Whether some key may reload the config: without one, `/admin/reload` does not exist. */
export function hasAdminKey(configs: ApiKeyConfig[] | undefined): boolean {
  return (configs ?? []).some((config) => typeof config !== 'string' && config.admin === true);
}

/** Whether this request's key is an admin key. */
export function callerIsAdmin(res: Response): boolean {
  return (res.locals.caller as Caller | undefined)?.admin === true;
}

/** Whether this request's key may use the model `name`, a tool or an agent (without keys, any). */
export function callerAllows(res: Response, name: string): boolean {
  return (res.locals.caller as Caller | undefined)?.allows(name) ?? true;
}

/** Without keys there is one caller: everybody. */
const ANYONE = 'anyone';

/** The owner of the records this request stores and may read. */
export function ownerOf(res: Response): string {
  return (res.locals.caller as Caller | undefined)?.owner ?? ANYONE;
}

/** The tools this request may see: all of them, or its key's allow-list. */
export function visibleTools(res: Response, registry: ToolRegistry): ToolView {
  const caller = res.locals.caller as Caller | undefined;
  return caller ? registry.view(caller.allows) : registry;
}
