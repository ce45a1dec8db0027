import type { ToolDefinition } from './upstreams/types.js';

/**
 * Whether running a tool call twice is harmless: its server annotates it read-only or
 * idempotent. Everything else may change data, so a call that may have run is never answered
 * with a status that LiteLLM or the openai clients retry on their own.
 */
export function isRetrySafe(definition: ToolDefinition): boolean {
  const annotations = definition.annotations;
  return annotations?.readOnlyHint === true || annotations?.idempotentHint === true;
}
