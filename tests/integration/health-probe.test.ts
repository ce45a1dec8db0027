import request from 'supertest';
import { HEALTH_CHECK_MODEL } from '../../src/openai/health-probe.js';
import type { RunningShim } from '../../src/server.js';
import type { RestAdapter } from '../fixtures/rest-adapter.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { startShimOverAdapter, type ShimOverAdapter } from '../helpers/shim.js';

// What LiteLLM 1.109.0 sends to health-check a chat deployment (litellm_core_utils/health_check_helpers.py).
const PROBE = { model: 'pg_execute_query', messages: [{ role: 'user', content: "What's 1 + 1?" }], max_tokens: 16 };

describe("LiteLLM's health checks are answered without running the tool", () => {
  let adapter: RestAdapter;
  let shim: RunningShim;

  let pair: ShimOverAdapter;

  beforeAll(async () => {
    pair = await startShimOverAdapter();
    ({ adapter, shim } = pair);
  });
  afterAll(() => pair.close());

  test('a probe gets a completion and the upstream sees nothing', async () => {
    const res = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(PROBE);
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('chat.completion');
    expect(res.body.choices[0].message.content).toContain('health check, so the tool was not run');
    const streamed = await request(shim.url).post('/tools/echo/chat/completions').send({ ...PROBE, stream: true });
    expect(streamed.text).toContain('health check, so the tool was not run');
    expect(streamed.text.trim().endsWith('data: [DONE]')).toBe(true);
    const sentinel = await request(shim.url)
      .post('/tools/echo/chat/completions')
      .send({ model: HEALTH_CHECK_MODEL, messages: [{ role: 'user', content: 'anything' }] });
    expect(sentinel.status).toBe(200);
    const plainRoute = await request(shim.url).post('/v1/chat/completions').send({ ...PROBE, model: HEALTH_CHECK_MODEL });
    expect(plainRoute.status).toBe(200);
    expect(adapter.received).toEqual([]);
  });

  test('a probe for a tool that does not exist is still a 404, so LiteLLM reports it unhealthy', async () => {
    const res = await request(shim.url).post('/tools/no_such_tool/chat/completions').send(PROBE);
    expect(res.status).toBe(404);
    expectOpenAIError(res.body, 'model_not_found');
  });
});
