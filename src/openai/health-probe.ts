/**
 * LiteLLM health-checks a chat deployment by sending it a real chat request: one user message
 * drawn from these prompts (litellm/proxy/health_check.py, `_get_random_llm_message`, 1.108.6).
 * For a model that is a tool, answering the probe by running the tool would execute it — maybe
 * a mutation — every time someone looks at /health. The shim answers such probes itself.
 */
const LITELLM_HEALTH_PROMPTS = new Set(["Hey how's it going?", "What's 1 + 1?"]);

/**
 * The model name the generated snippets give LiteLLM as `model_info.health_check_model`
 * (`openai/` + this): LiteLLM then sends it as `body.model` in every health check.
 */
export const HEALTH_CHECK_MODEL = '__mcp_model_shim_health_check__';

/** True for LiteLLM's health-check requests: the sentinel model, or a lone health-check prompt. */
export function isHealthProbe(model: unknown, messages: unknown): boolean {
  if (model === HEALTH_CHECK_MODEL) return true;
  if (!Array.isArray(messages) || messages.length !== 1) return false;
  const [message] = messages as { role?: unknown; content?: unknown }[];
  return message?.role === 'user' && typeof message.content === 'string' && LITELLM_HEALTH_PROMPTS.has(message.content);
}

export function healthProbeAnswer(tool: string): string {
  return `mcp-model-shim: tool "${tool}" is available. This looked like a LiteLLM health check, so the tool was not run.`;
}
