import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { DEFAULT_LLM_TIMEOUT_SECONDS, type LlmConfig } from '../config/types.js';
import { CallCancelledError, LLM, LlmFailedError, UpstreamBusyError, UpstreamUnavailableError } from '../upstreams/errors.js';

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
    const said = `the LLM (llm.baseUrl) answered HTTP ${err.status ?? '?'}: ${ownMessage(err)}`;
    // Unavailable or rate-limited (LiteLLM: every deployment down or cooling down): it did nothing,
    // so the caller gets the same retry-safe status, with the LLM's words and its Retry-After.
    if (err.status === 503) return new UpstreamUnavailableError(LLM, said, retryAfter(err.headers));
    if (err.status === 429) return new UpstreamBusyError(LLM, said);
    // 408 is the LLM's own trouble, not a refusal of the request.
    const refused = err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 408;
    return new LlmFailedError(said, false, refused);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** The error body's message; the client's own message starts with the status, which `said` already has. */
function ownMessage(err: InstanceType<typeof OpenAI.APIError>): string {
  const message = (err.error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : err.message;
}

function retryAfter(headers: Headers | undefined): number {
  const seconds = Number(headers?.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 1;
}
