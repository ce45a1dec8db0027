export interface OpenAIErrorFields {
  message: string;
  type: string;
  param: string | null;
  code: string;
}

/** Asserts a body is exactly OpenAI's error shape with this code, and returns its fields. */
export function expectOpenAIError(body: unknown, code: string): OpenAIErrorFields {
  const { error } = body as { error: OpenAIErrorFields };
  expect(Object.keys(body as object)).toEqual(['error']);
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error.message).toBe('string');
  expect(typeof error.type).toBe('string');
  expect(error.param === null || typeof error.param === 'string').toBe(true);
  expect(error.code).toBe(code);
  return error;
}

/** The request body at the end of an invalid-arguments message (its last line). */
export function exampleBody(message: string): string {
  return message.split('\n').at(-1)!.replace(/^Whole request body, for API calls: /, '');
}
