import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import YAML from 'yaml';
import { embeddedConfig } from './embedded.js';
import { ConfigError } from './errors.js';
import { interpolate } from './interpolate.js';
import { headerFieldProblem } from './header-fields.js';
import { configSchema } from './schema.js';
import type { ShimConfig } from './types.js';

export const DEFAULT_CONFIG_FILE = 'mcp-model-shim.yaml';
/** `source` of the config built into the shim. */
export const EMBEDDED = 'embedded default';

export interface LoadedConfig {
  config: ShimConfig;
  /** The file it came from, or `embedded default`. */
  source: string;
}

// Interpolated values are strings; coercion lets `port: ${PORT:-8080}` be a number.
const validate = new Ajv({ allErrors: true, coerceTypes: true, strict: false }).compile(configSchema);

/**
 * Finds and loads the configuration: `file` if given, else `./mcp-model-shim.yaml` when present,
 * else the embedded default. Throws ConfigError with a path-naming message on any problem.
 */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LoadedConfig {
  const chosen = file ?? (existsSync(path.join(cwd, DEFAULT_CONFIG_FILE)) ? DEFAULT_CONFIG_FILE : undefined);
  if (chosen === undefined) return { config: embeddedConfig(), source: EMBEDDED };
  const fullPath = path.resolve(cwd, chosen);
  let text: string;
  try {
    text = readFileSync(fullPath, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${fullPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return { config: parseConfig(text, env), source: fullPath };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${fullPath}: ${err.message}`);
    throw err;
  }
}

/** Parses YAML or JSON text (JSON is YAML), interpolates `${VAR}`, validates and fills defaults. */
export function parseConfig(text: string, env: NodeJS.ProcessEnv = process.env): ShimConfig {
  let document: unknown;
  try {
    document = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError('the config must be a mapping with an `mcpServers` key');
  }
  const data = interpolate(document, env) as Record<string, unknown>;
  if (!validate(data)) throw new ConfigError(formatErrors(validate.errors ?? []));
  const config = data as unknown as ShimConfig;
  const needsLlm = Object.entries(config.tools ?? {}).find(([, policy]) => policy.fromText === 'llm');
  if (needsLlm && !config.llm) {
    throw new ConfigError(`tools.${needsLlm[0]}.fromText: "llm" needs an \`llm\` section (baseUrl, model) to ask`);
  }
  const agentNames = Object.keys(config.agents ?? {});
  if (agentNames.length > 0 && !config.llm) {
    throw new ConfigError(`agents.${agentNames[0]}: agents need an \`llm\` section (baseUrl, model) to think with`);
  }
  const loaded: ShimConfig = {
    server: config.server ?? {},
    mcpServers: config.mcpServers,
    ...(config.tools ? { tools: config.tools } : {}),
    ...(config.llm ? { llm: config.llm } : {}),
    ...(config.agents ? { agents: config.agents } : {}),
    ...(config.state ? { state: config.state } : {}),
  };
  const headerProblem = headerFieldProblem(loaded);
  if (headerProblem) throw new ConfigError(headerProblem);
  return loaded;
}

function formatErrors(errors: ErrorObject[]): string {
  // if/then/else adds a summary error ("must match then schema") next to the real ones.
  const useful = errors.filter((e) => e.keyword !== 'if');
  const lines = [...new Set(useful.map(describe))];
  return lines.slice(0, 5).join('; ');
}

function describe(error: ErrorObject): string {
  const where = pointerToPath(error.instancePath) || '(root)';
  switch (error.keyword) {
    case 'additionalProperties':
      return `${where}: unknown key "${String(error.params.additionalProperty)}"`;
    case 'required':
      return `${where}: missing required key "${String(error.params.missingProperty)}"`;
    case 'enum':
      return `${where}: must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'propertyNames':
      return `${where}: server name "${String(error.params.propertyName)}" may only use letters, digits, "_", "-" and "."`;
    case 'pattern':
      if (where.endsWith('.url')) return `${where}: must be an http:// or https:// URL`;
      if (where.endsWith('.prefix')) return `${where}: may only use letters, digits, "_", "-" and "."`;
      return `${where}: ${error.message ?? 'is invalid'}`;
    default:
      return `${where}: ${error.message ?? 'is invalid'}`;
  }
}

function pointerToPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}
