/**
 * Failures of the caller's own making. They know nothing about HTTP; `openai/errors.ts` maps
 * them (and upstream failures) to statuses and OpenAI's error shape in one place.
 */

/** The request itself is wrong (shape, missing message, bad arguments); nothing ran. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

/** No exposed tool has this name; `suggestions` are the closest that exist. */
export class UnknownToolError extends Error {
  override name = 'UnknownToolError';
  constructor(
    readonly tool: string,
    readonly suggestions: string[],
  ) {
    const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '';
    super(`The model (tool) "${tool}" does not exist.${hint} GET /v1/models lists every tool.`);
  }
}

/** A stored response that is not there for this caller (`GET`/`DELETE /responses/{id}` only: a 404 on a model call would cool the model down in LiteLLM). */
export class UnknownResponseError extends Error {
  override name = 'UnknownResponseError';
}
