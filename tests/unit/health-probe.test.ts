import { parseChatRequest } from '../../src/faces/chat-request.js';
import { parseCompletionsRequest } from '../../src/faces/completions-request.js';
import { parseResponsesRequest } from '../../src/faces/responses-request.js';
import { HEALTH_CHECK_MODEL } from '../../src/openai/health-probe.js';

const only = (content: unknown) => [{ role: 'user', content }];

/** The same question through each face: is this request LiteLLM's health check? */
const probes = {
  chat: (model: string, content: unknown) => parseChatRequest({ model, messages: only(content), max_tokens: 16 }).healthProbe,
  responses: (model: string, content: unknown) => parseResponsesRequest({ model, input: only(content), max_output_tokens: 16 }).healthProbe,
  completions: (model: string, content: unknown) => parseCompletionsRequest({ model, prompt: content, max_tokens: 16 }).healthProbe,
};

describe.each(Object.entries(probes))("LiteLLM's health checks are recognised through %s", (_face, isProbe) => {
  test.each(["Hey how's it going?", "What's 1 + 1?", 'test from litellm'])('its prompt %p as the only input', (prompt) => {
    expect(isProbe('pg_execute_query', prompt)).toBe(true);
  });

  test('the sentinel model the snippets set as health_check_model, whatever the input', () => {
    expect(isProbe(HEALTH_CHECK_MODEL, '{"operation": "select"}')).toBe(true);
    expect(isProbe(`openai/${HEALTH_CHECK_MODEL}`, 'x')).toBe(true);
  });

  test('real calls are not probes', () => {
    expect(isProbe('echo', "What's 1 + 2?")).toBe(false);
    expect(isProbe('echo', '{"message": "What\'s 1 + 1?"}')).toBe(false);
  });
});

test('the bodies LiteLLM 1.109.0 sends in chat, completion and responses mode are probes', () => {
  expect(parseChatRequest({ model: 'echo', messages: [{ role: 'user', content: "What's 1 + 1?" }], max_tokens: 16 }).healthProbe).toBe(true);
  expect(parseCompletionsRequest({ model: 'echo', prompt: 'test from litellm', max_tokens: 16 }).healthProbe).toBe(true);
  expect(parseResponsesRequest({ model: 'echo', input: 'test from litellm' }).healthProbe).toBe(true);
});

describe('a health-check prompt among other input is a real call', () => {
  test('chat: beside a system message, from the assistant, or as a content part', () => {
    const parse = (messages: unknown[]) => parseChatRequest({ model: 'echo', messages }).healthProbe;
    expect(parse([{ role: 'system', content: 'x' }, ...only("What's 1 + 1?")])).toBe(false);
    expect(parse([{ role: 'assistant', content: "What's 1 + 1?" }, ...only('{}')])).toBe(false);
    expect(parse(only([{ type: 'text', text: "What's 1 + 1?" }]))).toBe(false);
  });

  test('responses: input as a string is a probe; beside other items or as a part it is not', () => {
    const parse = (input: unknown) => parseResponsesRequest({ model: 'echo', input }).healthProbe;
    expect(parse("What's 1 + 1?")).toBe(true);
    expect(parse([{ role: 'system', content: 'x' }, ...only("What's 1 + 1?")])).toBe(false);
    expect(parse(only([{ type: 'input_text', text: "What's 1 + 1?" }]))).toBe(false);
  });
});
