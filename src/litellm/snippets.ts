import YAML from 'yaml';
import { globMatcher } from '../glob.js';
import { HEALTH_CHECK_MODEL } from '../openai/health-probe.js';
import type { RegisteredTool } from '../registry.js';
import { isRetrySafe } from '../retry-safety.js';

export interface SnippetOptions {
  /**
   * Where LiteLLM reaches the shim, e.g. `http://mcp-model-shim:8080`; several replicas give one
   * deployment each under every `model_name`, which LiteLLM load-balances.
   */
  baseUrl: string | readonly string[];
  /** Glob of tool names to include (default: all). */
  tools?: string;
  /** Environment variable holding the shim's API key (`os.environ/VAR`); default `dummy-key`. */
  apiKeyEnv?: string;
  /** Agent models (`agents:` in the config), listed after the tools. */
  agents?: readonly string[];
}

/** What a `model_list` entry needs to know of a model. */
interface Model {
  name: string;
  description: string;
  /** A repeat is harmless (a read-only or idempotent tool): retried onto another replica. */
  retrySafe: boolean;
  /** An agent: its Responses answers are stored on the replica that made them (with the in-memory store). */
  agent: boolean;
}

/** LiteLLM's check that sends a request with `previous_response_id` to the deployment that made that response. */
const RESPONSE_AFFINITY = 'responses_api_deployment_check';

export type SnippetFormat = 'yaml' | 'json';

/** A tool call can run for minutes (a long query); LiteLLM's default would cut it off. */
const TOOL_TIMEOUT_SECONDS = 600;

/** How long LiteLLM keeps a failed replica out of rotation (then it gets traffic again). */
export const REPLICA_COOLDOWN_SECONDS = 10;

/**
 * With replicas, the first connection error, 503 or 429 from one takes it out of rotation at once,
 * so the next call (or a read-only call's retry) goes to another replica.
 */
const REPLICA_ALLOWED_FAILS = { InternalServerErrorAllowedFails: 0, ServiceUnavailableErrorAllowedFails: 0, RateLimitErrorAllowedFails: 0 };

/**
 * A paste-ready LiteLLM config: one `model_list` entry per tool, plus the settings that make
 * LiteLLM safe for tools. Every key was checked in LiteLLM 1.109.0's source:
 * - `num_retries: 0` (router, wins over router_settings) and `max_retries: 0` (the SDK's own
 *   retries in health checks): a repeated tool call may be a second mutation;
 * - `timeout` / `stream_timeout`: long tools are not cut off (and then retried);
 * - `cooldown_time: 0`: a tool that failed once is not taken out of rotation; in `litellm_params`
 *   for chat and completions, and again in `model_info`, the one place the Responses and
 *   Anthropic messages paths read it;
 * - `supports_reasoning`: LiteLLM refuses `reasoning` (Codex, the Responses clients) and Anthropic
 *   `thinking` (Claude Code) for a model without it; the shim accepts and ignores both (and its
 *   progress is reasoning);
 * - `disable_background_health_check`, plus `health_check_skip_disabled_background_models` for
 *   on-demand `/health`: health checks send a real chat message, which would run the tool;
 * - `health_check_model`: any health check that still happens (the UI's "test connection")
 *   names the shim's sentinel model, which the shim answers without running anything.
 * All are per deployment, so pasting only the `model_list` keeps them; `general_settings` is
 * a global key, and it only affects models that disable their health check.
 *
 * Agents store their Responses answers, in memory unless the shim has `state.redisUrl`. LiteLLM
 * rewrites a response's id to name the deployment that made it; `router_settings.
 * model_group_affinity_config` with `responses_api_deployment_check`, for the agent models only,
 * sends a request with `previous_response_id` back to that deployment, so a conversation stays on
 * the replica that holds it. When that deployment is out of rotation LiteLLM picks another, which
 * does not hold it: that is what Redis is for.
 *
 * Replicas (several base URLs) change two things, from LiteLLM 1.109.0's router: it reports a
 * refused connection, a reset mid-call and a 500 as one error, so nothing can tell "not sent" from
 * "may have run" for a dead replica. Hence:
 * - every replica leaves rotation for REPLICA_COOLDOWN_SECONDS on its first such failure
 *   (`allowed_fails_policy`; `cooldown_time: 0` would keep a dead one in rotation);
 * - read-only and idempotent tools get `num_retries: 2`: the retry goes to a replica in rotation;
 * - every other tool keeps `num_retries: 0`: a call a dying replica may have run fails with an
 *   error instead of running twice, and the dead replica is out of rotation for the next one.
 */
export function litellmConfig(tools: readonly RegisteredTool[], { baseUrl, tools: pattern, apiKeyEnv, agents = [] }: SnippetOptions) {
  const bases = (typeof baseUrl === 'string' ? [baseUrl] : baseUrl).map((url) => url.replace(/\/+$/, ''));
  const models: Model[] = [
    ...tools.map((tool) => ({ name: tool.name, description: tool.definition.description ?? `MCP tool ${tool.name}`, retrySafe: isRetrySafe(tool.definition), agent: false })),
    // An agent may call tools that change data: never retried.
    ...agents.map((name) => ({ name, description: `Agent ${name}: answers with an LLM that calls MCP tools`, retrySafe: false, agent: true })),
  ];
  const selected = pattern ? models.filter((model) => globMatcher([pattern])(model.name)) : models;
  const apiKey = apiKeyEnv ? `os.environ/${apiKeyEnv}` : 'dummy-key';
  const replicated = bases.length > 1;
  const conversing = selected.filter((model) => model.agent);
  return {
    model_list: selected.flatMap((model) => bases.map((base) => deployment(model, base, apiKey, replicated))),
    general_settings: { health_check_skip_disabled_background_models: true },
    ...(conversing.length > 0 ? { router_settings: { model_group_affinity_config: Object.fromEntries(conversing.map((model) => [model.name, [RESPONSE_AFFINITY]])) } } : {}),
  };
}

/** One `model_list` entry: this model on the shim at `base`. */
function deployment(tool: Model, base: string, apiKey: string, replicated: boolean) {
  const cooldownTime = replicated ? REPLICA_COOLDOWN_SECONDS : 0;
  return {
    model_name: tool.name,
    litellm_params: {
      model: `openai/${tool.name}`,
      api_base: `${base}/tools/${encodeURIComponent(tool.name)}`,
      api_key: apiKey,
      num_retries: replicated && tool.retrySafe ? 2 : 0,
      max_retries: 0,
      timeout: TOOL_TIMEOUT_SECONDS,
      stream_timeout: TOOL_TIMEOUT_SECONDS,
      cooldown_time: cooldownTime,
    },
    model_info: {
      mode: 'chat',
      description: tool.description,
      cooldown_time: cooldownTime,
      ...(replicated ? { allowed_fails_policy: REPLICA_ALLOWED_FAILS } : {}),
      supports_reasoning: true,
      disable_background_health_check: true,
      health_check_model: `openai/${HEALTH_CHECK_MODEL}`,
    },
  };
}

export function renderSnippet(config: ReturnType<typeof litellmConfig>, format: SnippetFormat): string {
  if (format === 'json') return `${JSON.stringify(config, null, 2)}\n`;
  const header = '# Generated by mcp-model-shim: one LiteLLM model per MCP tool. Paste into your LiteLLM config.\n';
  return header + YAML.stringify(config, { lineWidth: 0 });
}
