import { HEALTH_CHECK_MODEL, isHealthProbe } from '../../src/openai/health-probe.js';
import { parseChatRequest } from '../../src/openai/request.js';

const only = (content: unknown) => [{ role: 'user', content }];

describe("LiteLLM's health checks are recognised", () => {
  test.each(["Hey how's it going?", "What's 1 + 1?"])('its prompt %p as the only message', (prompt) => {
    expect(isHealthProbe('pg_execute_query', only(prompt))).toBe(true);
    expect(parseChatRequest({ model: 'pg_execute_query', messages: only(prompt), max_tokens: 16 }).healthProbe).toBe(true);
  });

  test('the sentinel model the snippets set as health_check_model, whatever the message', () => {
    expect(isHealthProbe(HEALTH_CHECK_MODEL, only('{"operation": "select"}'))).toBe(true);
    expect(parseChatRequest({ model: `openai/${HEALTH_CHECK_MODEL}`, messages: only('x') }).healthProbe).toBe(true);
  });

  test('real calls are not probes', () => {
    expect(isHealthProbe('echo', only("What's 1 + 2?"))).toBe(false);
    expect(isHealthProbe('echo', [{ role: 'system', content: 'x' }, ...only("What's 1 + 1?")])).toBe(false);
    expect(isHealthProbe('echo', [{ role: 'assistant', content: "What's 1 + 1?" }])).toBe(false);
    expect(isHealthProbe('echo', only([{ type: 'text', text: "What's 1 + 1?" }]))).toBe(false);
  });
});
