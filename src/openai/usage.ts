/**
 * Token counts are estimated, not tokenised: about four characters per token, the usual rule of
 * thumb for English text and JSON. Good enough for LiteLLM's spend tracking of a tool that costs
 * nothing per token; exact counts would need a model-specific tokenizer that tools do not have.
 */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function usageFor(prompt: string, completion: string): Usage {
  const prompt_tokens = estimateTokens(prompt);
  const completion_tokens = estimateTokens(completion);
  return { prompt_tokens, completion_tokens, total_tokens: prompt_tokens + completion_tokens };
}
