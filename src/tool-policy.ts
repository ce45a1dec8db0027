import type { ToolPolicy } from './config/types.js';
import { RequestError } from './errors.js';
import { globToRegExp } from './glob.js';
import type { ToolDefinition } from './upstreams/types.js';

/**
 * `tools:` in the config: per exposed name (exact first, then the first matching glob), values
 * the server forces (`pin`) and parameters callers may not send (`hide`). Both vanish from the
 * schema callers see; a request naming either is refused, so a pinned value — a connection
 * string, say — can never be overridden.
 */
export function policyFor(name: string, policies: Record<string, ToolPolicy> | undefined): ToolPolicy | undefined {
  if (!policies) return undefined;
  if (Object.hasOwn(policies, name)) return policies[name];
  const pattern = Object.keys(policies).find((key) => /[*?]/.test(key) && globToRegExp(key).test(name));
  return pattern === undefined ? undefined : policies[pattern];
}

/** The definition callers see: pinned and hidden parameters removed from the schema. */
export function exposedDefinition(definition: ToolDefinition, policy: ToolPolicy | undefined): ToolDefinition {
  const removed = removedParameters(policy);
  if (removed.size === 0) return definition;
  const schema = definition.inputSchema;
  const properties = Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, unknown>).filter(([key]) => !removed.has(key)));
  const required = Array.isArray(schema.required) ? schema.required.filter((key) => !removed.has(key)) : undefined;
  return { ...definition, inputSchema: { ...schema, properties, ...(required ? { required } : {}) } };
}

/**
 * The arguments sent upstream: the caller's, which may not name pinned or hidden parameters, plus
 * the pins. `param` is the request field that carried them.
 */
export function applyPolicy(args: Record<string, unknown>, policy: ToolPolicy | undefined, tool: string, param = 'messages'): Record<string, unknown> {
  if (!policy) return args;
  const removed = removedParameters(policy);
  const refused = Object.keys(args).filter((key) => removed.has(key));
  if (refused.length > 0) {
    throw new RequestError(
      `Invalid arguments for tool "${tool}": ${refused.map((key) => `"${key}"`).join(', ')} cannot be set by callers (fixed by the server's configuration).`,
      param,
      'invalid_arguments',
    );
  }
  return { ...args, ...policy.pin };
}

function removedParameters(policy: ToolPolicy | undefined): Set<string> {
  return new Set([...Object.keys(policy?.pin ?? {}), ...(policy?.hide ?? [])]);
}
