/**
 * LiteLLM health-checks a deployment by sending it a real request through the face its
 * `model_info.mode` names (litellm/proxy/health_check.py, litellm_core_utils/health_check_helpers.py;
 * 1.109.0): in `chat` mode one user message drawn from `_get_random_llm_message`, in `completion`
 * and `responses` modes `DEFAULT_HEALTH_CHECK_PROMPT` as the prompt or input. For a model that is
 * a tool, answering the probe by running the tool would execute it — maybe a mutation — every time
 * someone looks at /health. The shim answers such probes itself.
 */
const LITELLM_HEALTH_PROMPTS = new Set(["Hey how's it going?", "What's 1 + 1?", 'test from litellm']);

/**
 * The model name the generated snippets give LiteLLM as `model_info.health_check_model`
 * (`openai/` + this): LiteLLM then sends it as `body.model` in every health check.
 */
export const HEALTH_CHECK_MODEL = '__mcp_model_shim_health_check__';

/**
 * True for LiteLLM's health-check requests: the sentinel model, or a request whose only input is
 * one health-check prompt as a plain string (`onlyText`; undefined when the request holds more).
 */
export function isHealthProbe(model: string | undefined, onlyText: string | undefined): boolean {
  return model === HEALTH_CHECK_MODEL || (onlyText !== undefined && LITELLM_HEALTH_PROMPTS.has(onlyText));
}

export function healthProbeAnswer(tool: string): string {
  return `mcp-model-shim: tool "${tool}" is available. This looked like a LiteLLM health check, so the tool was not run.`;
}
