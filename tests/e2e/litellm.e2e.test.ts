import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { litellmConfig } from '../../src/litellm/snippets.js';
import { HEALTH_CHECK_MODEL } from '../../src/openai/health-probe.js';
import type { RunningShim } from '../../src/server.js';
import type { RestAdapter } from '../fixtures/rest-adapter.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';
import { SEED, startPostgresShims, type PostgresShims } from './postgres-shims.js';

describe('mcp-model-shim behind a real LiteLLM proxy', () => {
  let shims: PostgresShims;
  let direct: RunningShim;
  let adapter: RestAdapter;
  let viaAdapter: RunningShim;
  let litellm: LiteLLM;
  let openai: OpenAI;

  beforeAll(async () => {
    shims = await startPostgresShims(['echo', 'fail', 'add']);
    ({ direct, adapter, viaAdapter } = shims);

    const generated = litellmConfig(direct.registry.list(), { baseUrl: direct.url });
    const throughAdapter = litellmConfig(viaAdapter.registry.list(), { baseUrl: viaAdapter.url, tools: 'pg_execute_mutation' });
    litellm = await startLiteLLM({
      ...generated,
      model_list: [
        // The field report's entry, byte for byte but for the host in api_base: no safety settings.
        {
          model_name: 'pg_execute_query',
          litellm_params: { model: 'openai/pg_execute_query', api_base: `${direct.url}/tools/pg_execute_query`, api_key: 'dummy-key' },
        },
        // The same, through the REST adapter.
        {
          model_name: 'adapter/pg_execute_query',
          litellm_params: { model: 'openai/pg_execute_query', api_base: `${viaAdapter.url}/tools/pg_execute_query`, api_key: 'dummy-key' },
        },
        ...generated.model_list.filter((entry) => entry.model_name !== 'pg_execute_query'),
        ...throughAdapter.model_list.map((entry) => ({ ...entry, model_name: `adapter/${entry.model_name}` })),
        // LiteLLM's wildcard route: every tool as `shim/<tool>`, through the plain OpenAI routes.
        // Its health check would ask for LiteLLM's cheapest OpenAI model; the sentinel is answered instead.
        {
          model_name: 'shim/*',
          litellm_params: { model: 'openai/*', api_base: `${direct.url}/v1`, api_key: 'dummy-key' },
          model_info: { health_check_model: `openai/${HEALTH_CHECK_MODEL}` },
        },
      ],
      litellm_settings: { check_provider_endpoint: true },
    });
    openai = new OpenAI({ baseURL: litellm.url, apiKey: litellm.masterKey });
  }, 180_000);

  afterAll(async () => {
    await litellm?.stop();
    await shims?.close();
  });

  beforeEach(() => {
    adapter.failWith(undefined);
    adapter.received.length = 0;
  });

  test('the seed scenario: SELECT datname FROM pg_database through LiteLLM returns real rows', async () => {
    const completion = await openai.chat.completions.create({
      model: 'pg_execute_query',
      messages: [{ role: 'user', content: JSON.stringify(SEED) }],
    });
    const content = completion.choices[0]!.message.content!;
    // The server's preamble, then its rows as a Markdown table (render: auto).
    expect(content).toBe('Query executed successfully. Retrieved 2 rows.\n\nResults:\n\n| datname |\n| --- |\n| postgres |\n| shim_e2e |');
  });

  test('asked for JSON (response_format), the answer parses and equals the rows in PostgreSQL', async () => {
    const completion = await openai.chat.completions.create({
      model: 'pg_execute_query',
      messages: [{ role: 'user', content: JSON.stringify(SEED) }],
      response_format: { type: 'json_object' },
    });
    const { stdout } = await promisify(execFile)('psql', [process.env.E2E_DATABASE_URL!, '-Atc', SEED.query]);
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(stdout.trim().split('\n').map((datname) => ({ datname })));
  });

  test('plain SQL is a 400 that shows first the JSON to type, unescaped', async () => {
    const call = openai.chat.completions.create({ model: 'pg_execute_query', messages: [{ role: 'user', content: 'SELECT datname FROM pg_database' }] });
    const error = (await call.catch((err: unknown) => err)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const lines = error.message.split('\n');
    expect(lines[0]).toMatch(/Invalid arguments for tool "pg_execute_query": the user message is plain text/);
    expect(lines[1]).toMatch(/^Send this as the last user message, with your own values: \{"operation": "select", "query": "<query>"/);
  });

  test('the seed scenario through the REST adapter, and with curl', async () => {
    const body = JSON.stringify({ model: 'adapter/pg_execute_query', messages: [{ role: 'user', content: JSON.stringify(SEED) }] });
    const { stdout } = await promisify(execFile)('curl', [
      '-sS',
      '--fail-with-body',
      `${litellm.url}/chat/completions`,
      '-H',
      'Content-Type: application/json',
      '-H',
      `Authorization: Bearer ${litellm.masterKey}`,
      '-d',
      body,
    ]);
    const completion = JSON.parse(stdout);
    expect(completion.choices[0].message.content).toContain('| shim_e2e |');
    expect(adapter.received).toEqual([{ tool: 'pg_execute_query', body: { arguments: SEED }, headers: expect.any(Object) }]);
  });

  test("the UI playground's request streams the result and usage", async () => {
    const stream = await openai.chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: 'streamed through LiteLLM' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe('echo: streamed through LiteLLM');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
  });

  test("LiteLLM's /v1/models lists the tools, the wildcard route's too", async () => {
    const ids = (await openai.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['pg_execute_query', 'pg_execute_sql', 'pg_execute_mutation', 'echo', 'adapter/pg_execute_query']));
    expect(ids).toEqual(expect.arrayContaining(['shim/echo', 'shim/pg_execute_query']));
  });

  test('the wildcard route calls a tool as shim/<tool>', async () => {
    const completion = await openai.chat.completions.create({ model: 'shim/echo', messages: [{ role: 'user', content: 'wild' }] });
    expect(completion.choices[0]!.message.content).toBe('echo: wild');
  });

  test("invalid arguments come back through LiteLLM as a 400 with the shim's actionable message", async () => {
    const call = openai.chat.completions.create({ model: 'pg_execute_query', messages: [{ role: 'user', content: '{"operation": "select"}' }] });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toThrow(/Invalid arguments for tool "pg_execute_query": missing required parameter "query"/);
  });

  test('a failing mutating tool is executed exactly once: no retry by LiteLLM or the openai client', async () => {
    adapter.failWith(500);
    // A default client: retries enabled, as users have it.
    const client = new OpenAI({ baseURL: litellm.url, apiKey: litellm.masterKey });
    const call = client.chat.completions.create({
      model: 'adapter/pg_execute_mutation',
      messages: [{ role: 'user', content: JSON.stringify({ operation: 'insert', table: 'tools_seen', data: { name: 'once' } }) }],
    });
    await expect(call).rejects.toThrow(/upstream "adapter" failed \(HTTP 500\)/);
    expect(adapter.received).toHaveLength(1);
  });

  test("LiteLLM's health checks execute no tool", async () => {
    const res = await fetch(`${litellm.url}/health`, { headers: { Authorization: `Bearer ${litellm.masterKey}` } });
    const health = (await res.json()) as { healthy_endpoints: { model: string }[]; unhealthy_endpoints: unknown[] };
    expect(adapter.received).toEqual([]);
    expect(health.unhealthy_endpoints).toEqual([]);
    // Generated entries are skipped; the seed entries have no health-check settings, so the shim
    // answered their probes itself, and the wildcard's sentinel model.
    expect(health.healthy_endpoints.map((endpoint) => endpoint.model).sort()).toEqual([`openai/${HEALTH_CHECK_MODEL}`, 'openai/pg_execute_query', 'openai/pg_execute_query']);
  });
});
