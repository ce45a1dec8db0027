import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { DEFAULT_LLM_TIMEOUT_SECONDS, type LlmConfig } from '../config/types.js';
import { CallCancelledError, LLM, LlmFailedError, UpstreamUnavailableError } from '../upstreams/errors.js';

/** Where language work goes: one chat completion at a time, with the `llm` section's model. */
export interface Llm {
  readonly model: string;
  complete(request: Omit<ChatCompletionCreateParamsNonStreaming, 'model'> & { model?: string }, signal?: AbortSignal): Promise<ChatCompletion>;
}

/**
 * The official `openai` client against the configured endpoint, without its own retries: a
 * failure is reported in the shim's terms (the LLM is an upstream like the tools' servers).
 */
export function createLlm(config: LlmConfig): Llm {
  const timeoutMs = (config.timeoutSeconds ?? DEFAULT_LLM_TIMEOUT_SECONDS) * 1000;
  const client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey ?? 'none', timeout: timeoutMs, maxRetries: 0 });
  return {
    model: config.model,
    async complete(request, signal) {
      try {
        return await client.chat.completions.create({ ...request, model: request.model ?? config.model, stream: false }, { signal });
      } catch (err) {
        throw llmFailure(err, timeoutMs);
      }
    },
  };
}

/** In the shim's terms; the tool was not called, whatever happened here. */
function llmFailure(err: unknown, timeoutMs: number): Error {
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new LlmFailedError(`the LLM (llm.baseUrl) did not answer within ${timeoutMs / 1000} s`, true);
  if (err instanceof OpenAI.APIUserAbortError) return new CallCancelledError(LLM);
  if (err instanceof OpenAI.APIConnectionError) return new UpstreamUnavailableError(LLM, 'the LLM (llm.baseUrl) cannot be reached', 5);
  if (err instanceof OpenAI.APIError) {
    // 408 and 429 are the LLM's own trouble, not a refusal of the request.
    const refused = err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;
    return new LlmFailedError(`the LLM (llm.baseUrl) answered HTTP ${err.status ?? '?'}: ${err.message}`, false, refused);
  }
  return err instanceof Error ? err : new Error(String(err));
}
