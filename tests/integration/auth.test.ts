import OpenAI from 'openai';
import request from 'supertest';
import YAML from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { checkBind, startShim, type RunningShim } from '../../src/server.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { stdioTestServer } from '../helpers/shim.js';

const ADMIN = 'admin-key-0123456789';
const LITELLM = 'litellm-key-0123456789';
const chat = (content: string) => ({ messages: [{ role: 'user', content }] });

describe('API keys', () => {
  let shim: RunningShim;
  beforeAll(async () => {
    shim = await startShim(
      { server: { host: '127.0.0.1', port: 0, apiKeys: [ADMIN, { name: 'litellm', key: LITELLM, tools: ['pg_*'] }] }, mcpServers: { db: stdioTestServer() } },
      { host: '127.0.0.1', port: 0 },
    );
  });
  afterAll(() => shim.close());

  test('every route but GET /health needs a key: 401 in OpenAI shape', async () => {
    const routes = [
      request(shim.url).post('/tools/echo/chat/completions').send(chat('x')),
      request(shim.url).post('/v1/chat/completions').send({ model: 'echo', ...chat('x') }),
      request(shim.url).get('/v1/models'),
      request(shim.url).get('/tools'),
      request(shim.url).post('/tools/echo').send({ arguments: { message: 'x' } }),
      request(shim.url).get('/litellm/config.yaml'),
    ];
    for (const res of await Promise.all(routes)) {
      expect(res.status).toBe(401);
      expect(expectOpenAIError(res.body, 'invalid_api_key').message).toBe('Missing API key: send "Authorization: Bearer <key>".');
    }
    expect((await request(shim.url).get('/health')).status).toBe(200);
  });

  test('a wrong key is refused; Bearer (any case) and x-api-key are accepted', async () => {
    const wrong = await request(shim.url).get('/v1/models').set('authorization', `Bearer ${ADMIN}x`);
    expect(wrong.status).toBe(401);
    expect(expectOpenAIError(wrong.body, 'invalid_api_key').message).toBe('Invalid API key.');
    expect((await request(shim.url).get('/v1/models').set('authorization', `bearer ${ADMIN}`)).status).toBe(200);
    expect((await request(shim.url).get('/v1/models').set('x-api-key', ADMIN)).status).toBe(200);
    const openai = new OpenAI({ baseURL: `${shim.url}/tools/echo`, apiKey: ADMIN, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'keyed' }] });
    expect(completion.choices[0]!.message.content).toBe('echo: keyed');
  });

  test("a key's allow-list decides which tools exist for it", async () => {
    const as = (req: request.Test) => req.set('authorization', `Bearer ${LITELLM}`);
    const models = await as(request(shim.url).get('/v1/models'));
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual(['pg_execute_query']);
    const tools = await as(request(shim.url).get('/tools'));
    expect(tools.body.tools.map((t: { name: string }) => t.name)).toEqual(['pg_execute_query']);
    const snippets = YAML.parse((await as(request(shim.url).get('/litellm/config.yaml'))).text);
    expect(snippets.model_list.map((m: { model_name: string }) => m.model_name)).toEqual(['pg_execute_query']);
    // Outside the list a tool answers exactly like one that does not exist, suggestions included.
    const hidden = await as(request(shim.url).post('/tools/echo/chat/completions').send(chat('x')));
    expect(hidden.status).toBe(404);
    expect(expectOpenAIError(hidden.body, 'model_not_found').message).toBe('The model (tool) "echo" does not exist. GET /v1/models lists every tool.');
    expect((await as(request(shim.url).post('/tools/echo').send({ arguments: { message: 'x' } }))).status).toBe(404);
    expect((await as(request(shim.url).get('/v1/models/echo'))).status).toBe(404);
    const allowed = await as(request(shim.url).post('/tools/pg_execute_query/chat/completions').send(chat('{"operation": "select", "query": "SELECT 1"}')));
    expect(allowed.status).toBe(200);
    const admin = await request(shim.url).get('/v1/models').set('authorization', `Bearer ${ADMIN}`);
    expect(admin.body.data).toHaveLength(8);
  });
});

describe('binding beyond loopback', () => {
  test('without keys it is refused unless explicitly allowed', () => {
    expect(() => checkBind('0.0.0.0', undefined)).toThrow(ConfigError);
    expect(() => checkBind('0.0.0.0', [])).toThrow(/refusing to listen on 0\.0\.0\.0 without API keys/);
    expect(() => checkBind('0.0.0.0', [ADMIN])).not.toThrow();
    expect(() => checkBind('0.0.0.0', undefined, true)).not.toThrow();
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(() => checkBind(host, undefined)).not.toThrow();
  });

  test('a key too short to be secret (an unset variable, say) stops start-up', () => {
    expect(() => parseConfig('server:\n  apiKeys: ["${SHIM_KEY:-}"]\nmcpServers: {}\n', {})).toThrow(/server\.apiKeys\[0\]/);
  });
});
