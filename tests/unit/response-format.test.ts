import { parseChatRequest } from '../../src/faces/chat-request.js';
import { parseCompletionsRequest } from '../../src/faces/completions-request.js';
import { parseResponsesRequest } from '../../src/faces/responses-request.js';

/** Each face, asked for a format the OpenAI way: does it want one JSON document? */
const faces = {
  chat: (format: unknown) => parseChatRequest({ messages: [{ role: 'user', content: '{}' }], response_format: format }).json,
  responses: (format: unknown) => parseResponsesRequest({ input: '{}', text: { format } }).json,
  completions: (format: unknown) => parseCompletionsRequest({ prompt: '{}', response_format: format }).json,
};

describe.each(Object.entries(faces))('%s: JSON on request', (_face, wantsJson) => {
  test('json_object asks for JSON; json_schema too (the schema is not enforced)', () => {
    expect(wantsJson({ type: 'json_object' })).toBe(true);
    expect(wantsJson({ type: 'json_schema', json_schema: { name: 'rows', schema: { type: 'object' } } })).toBe(true);
  });

  test('text, nothing, or junk asks for the usual answer', () => {
    for (const format of [{ type: 'text' }, undefined, null, 'json_object', 7, {}]) expect(wantsJson(format)).toBe(false);
  });
});
