import OpenAI from 'openai';
import request from 'supertest';
import YAML from 'yaml';
import { startShim, type RunningShim } from '../../src/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.js';
import { startAgentShim, type AgentShim } from '../helpers/agent-shim.js';
import { stdioTestServer } from '../helpers/shim.js';

type Asked = { model: string; tools?: { function: { name: string } }[]; messages: { role: string; content: string | null; tool_call_id?: string; tool_calls?: unknown[] }[] };

/**
 * Agent models: an LLM (a scripted stand-in) that answers with the real test MCP server's tools,
 * called through the shim's own path, seen through the official openai client.
 */
describe('agent models', () => {
  let agents: AgentShim;
  let llm: ScriptedLlm;
  let shim: RunningShim;
  let client: OpenAI;

  beforeAll(async () => {
    agents = await startAgentShim({
      mcpServers: { db: stdioTestServer() },
      agents: {
        analyst: { tools: ['pg_*', 'add', 'fail'], instructions: 'You answer questions about the orders database.' },
        writer: { tools: ['add', 'pg_*'], allowMutations: true, maxSteps: 2, model: 'gpt-big', maxToolResultBytes: 256 },
      },
      timeoutSeconds: 5,
    });
    ({ llm, shim } = agents);
    client = agents.client();
  });
  afterAll(() => agents?.close());
  beforeEach(() => {
    llm.requests.length = 0;
  });

  const asked = (i: number) => llm.requests[i] as unknown as Asked;
  const query = (sql: string) => ({ name: 'pg_execute_query', arguments: { operation: 'select', query: sql } });

  test('is a model like a tool: listed, described, in the snippets', async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['analyst', 'writer', 'pg_execute_query']));
    expect((await client.models.retrieve('analyst')).owned_by).toBe('agent');
    const snippet = (await request(shim.url).get('/litellm/config.yaml')).text;
    expect(snippet).toContain('model_name: analyst');
    expect(snippet).toContain(`api_base: ${shim.url}/tools/analyst`);
    // A request continuing a stored response goes back to the deployment (replica) that made it.
    expect(YAML.parse(snippet).router_settings).toEqual({
      model_group_affinity_config: { analyst: ['responses_api_deployment_check'], writer: ['responses_api_deployment_check'] },
    });
  });

  test('runs every call of a turn in order, feeds the results back, and answers when the LLM stops calling tools', async () => {
    llm.reply({ toolCalls: [query('SELECT 1'), query('SELECT 2')] }, { text: 'There are two answers.' });
    const completion = await client.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'What do the queries say?' }] });
    expect(completion.choices[0]!.message.content).toBe('There are two answers.');
    expect(completion.choices[0]!.finish_reason).toBe('stop');

    // First turn: instructions, the conversation as sent, and only the read-only tools as functions.
    expect(asked(0).model).toBe('gpt-test');
    expect(asked(0).messages.slice(0, 2)).toEqual([
      { role: 'system', content: 'You answer questions about the orders database.' },
      { role: 'user', content: 'What do the queries say?' },
    ]);
    expect(asked(0).tools!.map((tool) => tool.function.name)).toEqual(['pg_execute_query']);
    // Second turn: the assistant's calls, then one tool message per call, in order, with real results.
    const [assistant, first, second] = asked(1).messages.slice(2);
    expect(assistant).toMatchObject({ role: 'assistant', tool_calls: [expect.anything(), expect.anything()] });
    expect(first).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: expect.stringContaining('SELECT 1') });
    expect(second).toMatchObject({ role: 'tool', tool_call_id: 'call_2', content: expect.stringContaining('SELECT 2') });
  });

  test('streamed: one message, steps as reasoning as they happen, the answer as content, finish_reason stop once, never tool_calls', async () => {
    llm.reply({ toolCalls: [query('SELECT 42')] }, { text: 'The answer is 42.' });
    const stream = await client.chat.completions.create({ model: 'analyst', stream: true, messages: [{ role: 'user', content: 'ask it' }] });
    let reasoning = '';
    let content = '';
    const finishes: string[] = [];
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta as { reasoning_content?: string; content?: string; tool_calls?: unknown };
      expect(delta.tool_calls).toBeUndefined();
      reasoning += delta.reasoning_content ?? '';
      content += delta.content ?? '';
      if (choice.finish_reason) finishes.push(choice.finish_reason);
    }
    expect(reasoning).toMatch(/^pg_execute_query \{"operation":"select","query":"SELECT 42"\} → .*SELECT 42.* \(\d+ ms\)\n$/);
    expect(content).toBe('The answer is 42.');
    expect(finishes).toEqual(['stop']);
  });

  test('tool errors, unknown tools and invalid arguments go back to the LLM as tool messages', async () => {
    llm.reply(
      { toolCalls: [{ name: 'fail', arguments: {} }, { name: 'drop_tables', arguments: {} }, { name: 'pg_execute_query', arguments: { operation: 'drop' } }] },
      { text: 'Nothing worked.' },
    );
    // `fail` is not read-only: analyst does not offer it, and cannot call it.
    const completion = await client.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'try things' }] });
    expect(completion.choices[0]!.message.content).toBe('Nothing worked.');
    const results = asked(1).messages.filter((message) => message.role === 'tool').map((message) => message.content);
    expect(results[0]).toMatch(/^Error: there is no tool named "fail"/);
    expect(results[1]).toMatch(/^Error: there is no tool named "drop_tables"/);
    expect(results[2]).toMatch(/^Error: Invalid arguments for tool "pg_execute_query"/);
  });

  test('allowMutations offers every matching tool; at maxSteps one last turn without tools answers; a 2 MB result is cut before the LLM sees it', async () => {
    llm.reply(
      { toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] },
      { toolCalls: [query(`SELECT '${'x'.repeat(2 * 1024 * 1024)}'`)] },
      { text: 'Done after two steps.' },
    );
    const completion = await client.chat.completions.create({ model: 'writer', messages: [{ role: 'user', content: 'add, then look' }] });
    expect(completion.choices[0]!.message.content).toBe('Done after two steps.');
    expect(asked(0).model).toBe('gpt-big');
    expect(asked(0).tools!.map((tool) => tool.function.name).sort()).toEqual(['add', 'pg_execute_query']);
    expect(llm.requests).toHaveLength(3);
    expect(asked(2).tools).toBeUndefined();
    expect(asked(2).messages.at(-1)).toMatchObject({ role: 'system', content: expect.stringContaining('Answer the user now') });
    const cut = asked(2).messages.filter((message) => message.role === 'tool').at(-1)!.content!;
    expect(cut).toMatch(/\[… result truncated to 256 of its \d+ bytes \(maxToolResultBytes\)\]$/);
  });

  test('not streamed: the steps are reasoning_content on the message, and usage is the LLM\'s, summed over the turns', async () => {
    llm.reply({ toolCalls: [query('SELECT 7')] }, { text: 'Seven.' });
    const completion = await client.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'seven?' }] });
    const message = completion.choices[0]!.message as { content: string; reasoning_content?: string };
    expect(message.content).toBe('Seven.');
    expect(message.reasoning_content).toMatch(/^pg_execute_query \{"operation":"select","query":"SELECT 7"\} → .* \(\d+ ms\)\n$/);
    // The scripted LLM reports 1 + 1 tokens a turn.
    expect(completion.usage).toEqual({ prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 });
  });

  test('errors: the LLM refusing is a 400; failing after a tool that may change data ran is a 424, never retried', async () => {
    llm.reply({ status: 400, message: 'tools are not supported by this model' });
    await expect(client.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      status: 400,
      code: 'llm_refused',
    });
    llm.reply({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 1 } }] }, { status: 500, message: 'crashed' });
    const failed = await client.chat.completions.create({ model: 'writer', messages: [{ role: 'user', content: 'add' }] }).catch((err: unknown) => err);
    expect(failed).toMatchObject({ status: 424, message: expect.stringContaining('after the agent ran a tool that may change data') });
    expect((failed as { headers: Headers }).headers.get('x-should-retry')).toBe('false');
  });

  test('an endpoint an agent cannot serve is a 400, never a 404 that would cool it down', async () => {
    const res = await request(shim.url).post('/tools/analyst/embeddings').send({ model: 'analyst', input: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'unsupported_endpoint', message: expect.stringContaining('"analyst" is an agent model') });
  });

  test('a request that brings its own tools is a 400: agents own their tools', async () => {
    const call = client.chat.completions.create({
      model: 'analyst',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'mine', parameters: { type: 'object' } } }],
    });
    await expect(call).rejects.toMatchObject({ status: 400, code: 'agent_owns_tools' });
    expect(llm.requests).toEqual([]);
  });

  test('through the Responses API too', async () => {
    llm.reply({ text: 'Hello from the agent.' });
    const response = await client.responses.create({ model: 'analyst', instructions: 'Be brief.', input: 'hello' });
    expect(response.output_text).toBe('Hello from the agent.');
    expect(asked(0).messages).toEqual([
      { role: 'system', content: 'You answer questions about the orders database.' },
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello' },
    ]);
  });
});

describe('agent models and the caller', () => {
  test("the caller's key applies inside the loop; with the LLM down nothing runs (503 llm_unavailable)", async () => {
    const llm = await startScriptedLlm();
    const shim = await startShim(
      {
        server: { host: '127.0.0.1', port: 0, apiKeys: [{ key: 'agent-only-key', tools: ['analyst'] }, 'full-access-key'] },
        mcpServers: { db: stdioTestServer() },
        llm: { baseUrl: llm.baseUrl, model: 'gpt-test' },
        agents: { analyst: { tools: ['pg_*'] } },
      },
      { host: '127.0.0.1', port: 0 },
    );
    try {
      const limited = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'agent-only-key', maxRetries: 0 });
      expect((await limited.models.list()).data.map((model) => model.id)).toEqual(['analyst']);
      llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'select', query: 'SELECT 1' } }] }, { text: 'Could not.' });
      await limited.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'query' }] });
      // The key sees no pg_* tool: none is offered, and a call to one is refused inside the loop.
      expect((llm.requests[0] as { tools?: unknown }).tools).toBeUndefined();
      expect(JSON.stringify(llm.requests[1])).toContain('there is no tool named \\"pg_execute_query\\"');
    } finally {
      await llm.close();
    }
    try {
      const full = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'full-access-key', maxRetries: 0 });
      await expect(full.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'query' }] })).rejects.toMatchObject({
        status: 503,
        code: 'llm_unavailable',
      });
    } finally {
      await shim.close();
    }
  });
});
