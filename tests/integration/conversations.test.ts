import OpenAI from 'openai';
import request from 'supertest';
import type { RunningShim } from '../../src/server.js';
import type { ScriptedLlm } from '../fixtures/scripted-llm.js';
import { startAgentShim, type AgentShim } from '../helpers/agent-shim.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { stdioTestServer } from '../helpers/shim.js';

type Message = { role: string; content: string | null; tool_call_id?: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
type Asked = { tools?: { function: { name: string; description: string } }[]; messages: Message[] };

const ALICE = 'alice-key-0001';
const BOB = 'bob-key-00002';
const INSTRUCTIONS = 'You answer questions about the orders database.';

/**
 * Agents hold a conversation on the Responses API: their answers are stored, per API key, and
 * `previous_response_id` continues from them; seen through the official openai client, with the
 * scripted stand-in LLM and the real test MCP server.
 */
describe('stored responses: an agent continues a conversation', () => {
  let agents: AgentShim;
  let llm: ScriptedLlm;
  let shim: RunningShim;
  let alice: OpenAI;
  let bob: OpenAI;

  beforeAll(async () => {
    agents = await startAgentShim({
      server: { apiKeys: [ALICE, BOB] },
      mcpServers: { db: stdioTestServer({ env: { DOTTED_TOOLS: '1' } }) },
      agents: { analyst: { tools: ['pg_*', 'a*'], instructions: INSTRUCTIONS } },
      timeoutSeconds: 5,
    });
    ({ llm, shim } = agents);
    alice = agents.client(ALICE);
    bob = agents.client(BOB);
  });
  afterAll(() => agents?.close());
  beforeEach(() => {
    llm.requests.length = 0;
  });

  const asked = (i: number) => llm.requests[i] as unknown as Asked;
  const query = (sql: string) => ({ name: 'pg_execute_query', arguments: { operation: 'select', query: sql } });

  test('created twice with previous_response_id: the LLM sees the earlier turn, its tool call and result, and its answer; instructions are not carried', async () => {
    llm.reply({ toolCalls: [query('SELECT * FROM orders')] }, { text: 'There are three orders.' });
    const first = await alice.responses.create({ model: 'analyst', instructions: 'Be brief.', input: 'show me all orders' });
    expect(first).toMatchObject({ store: true, previous_response_id: null, output_text: 'There are three orders.' });

    llm.reply({ text: 'Two of them are over 15.' });
    const second = await alice.responses.create({ model: 'analyst', input: 'only the ones over 15', previous_response_id: first.id });
    expect(second).toMatchObject({ store: true, previous_response_id: first.id, output_text: 'Two of them are over 15.' });
    const [system, user, call, result, answer, next] = asked(2).messages;
    expect([system, user]).toEqual([
      { role: 'system', content: INSTRUCTIONS },
      { role: 'user', content: 'show me all orders' },
    ]);
    expect(call).toMatchObject({ role: 'assistant', tool_calls: [{ function: { name: 'pg_execute_query' } }] });
    expect(result).toMatchObject({ role: 'tool', tool_call_id: call!.tool_calls![0]!.id, content: expect.stringContaining('SELECT * FROM orders') });
    expect([answer, next]).toEqual([
      { role: 'assistant', content: 'There are three orders.' },
      { role: 'user', content: 'only the ones over 15' },
    ]);
    expect(asked(2).messages).toHaveLength(6);

    // A third turn carries both earlier ones.
    llm.reply({ text: 'That was two.' });
    const third = await alice.responses.create({ model: 'analyst', input: [{ role: 'user', content: 'how many was that?' }], previous_response_id: second.id });
    expect(third.output_text).toBe('That was two.');
    expect(asked(3).messages.map((message) => message.content ?? 'tool calls')).toEqual([
      INSTRUCTIONS,
      'show me all orders',
      'tool calls',
      expect.stringContaining('SELECT * FROM orders'),
      'There are three orders.',
      'only the ones over 15',
      'Two of them are over 15.',
      'how many was that?',
    ]);
  });

  test('responses.retrieve returns the response as created; responses.delete removes it, and then it is a 404 and a 400', async () => {
    llm.reply({ text: 'Kept.' });
    const created = await alice.responses.create({ model: 'analyst', input: 'keep this' });
    const { output_text: _convenience, ...createdFields } = created;
    expect(await alice.responses.retrieve(created.id)).toMatchObject(createdFields);

    await alice.responses.delete(created.id);
    await expect(alice.responses.retrieve(created.id)).rejects.toMatchObject({ status: 404, code: 'response_not_found' });
    await expect(alice.responses.delete(created.id)).rejects.toMatchObject({ status: 404 });
    const continued = alice.responses.create({ model: 'analyst', input: 'and?', previous_response_id: created.id });
    await expect(continued).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' });
    expect(llm.requests).toHaveLength(1);
  });

  test('streamed: stored exactly as the stream completed it, reasoning included, and under the model too', async () => {
    llm.reply({ toolCalls: [query('SELECT 42')] }, { text: 'Forty-two.' });
    const stream = alice.responses.stream({ model: 'analyst', input: 'the answer?' });
    const completed: unknown[] = [];
    for await (const event of stream) if (event.type === 'response.completed') completed.push(event.response);
    expect(completed).toHaveLength(1);
    const final = completed[0] as { id: string; store: boolean; output: { type: string }[] };
    expect(final.store).toBe(true);
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(await alice.responses.retrieve(final.id)).toEqual(final);
    const underModel = await request(shim.url).get(`/tools/analyst/v1/responses/${final.id}`).set('authorization', `Bearer ${ALICE}`);
    expect(underModel.body).toEqual(final);
  });

  test('a streamed answer that fails after a step is not stored, and its failure event says so', async () => {
    llm.reply({ toolCalls: [query('SELECT 1')] }, { status: 500, message: 'the LLM crashed' });
    const res = await request(shim.url).post('/v1/responses').set('authorization', `Bearer ${ALICE}`).send({ model: 'analyst', input: 'fail', stream: true });
    const failed = res.text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; response?: { id: string; store: boolean } })
      .find((event) => event.type === 'response.failed')!;
    expect(failed.response).toMatchObject({ store: false });
    await expect(alice.responses.retrieve(failed.response!.id)).rejects.toMatchObject({ status: 404 });
  });

  test('store: false: the answer says so, and continuing from it is a 400 that says what to do; the LLM is not asked', async () => {
    llm.reply({ text: 'Not kept.' });
    const response = await alice.responses.create({ model: 'analyst', input: 'forget this', store: false });
    expect(response).toMatchObject({ store: false });
    const err = await alice.responses.create({ model: 'analyst', input: 'and?', previous_response_id: response.id }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' });
    expect((err as Error).message).toMatch(/was created with "store": false.*Start over with the whole conversation in "input"/);
    expect(llm.requests).toHaveLength(1);
  });

  test("another API key's response: its retrieve and delete are a 404 like an unknown id's, its previous_response_id a 400", async () => {
    llm.reply({ text: "Alice's." });
    const mine = await alice.responses.create({ model: 'analyst', input: 'private' });
    const theirs = await request(shim.url).get(`/v1/responses/${mine.id}`).set('authorization', `Bearer ${BOB}`);
    const unknown = await request(shim.url).get('/v1/responses/resp_unknown').set('authorization', `Bearer ${BOB}`);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ error: { ...unknown.body.error, message: unknown.body.error.message.replace('resp_unknown', mine.id) } });
    expectOpenAIError(theirs.body, 'response_not_found');
    await expect(bob.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.responses.create({ model: 'analyst', input: 'x', previous_response_id: mine.id })).rejects.toMatchObject({ status: 400 });
    // Still Alice's.
    expect((await alice.responses.retrieve(mine.id)).output_text).toBe("Alice's.");
  });

  test('chat completions stay stateless: the client sends the whole conversation, nothing is stored', async () => {
    llm.reply({ text: 'Stateless.' });
    const completion = await alice.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('Stateless.');
    await expect(alice.responses.retrieve(completion.id.replace('chatcmpl-', 'resp_'))).rejects.toMatchObject({ status: 404 });
  });

  test('metrics: stored, hits, misses and the records held', async () => {
    const metric = async (name: string) => {
      const text = (await request(shim.url).get('/metrics').set('authorization', `Bearer ${ALICE}`)).text;
      return Number(new RegExp(`^${name}(?:\\{kind="response"\\})? (\\d+)$`, 'm').exec(text)?.[1] ?? 'NaN');
    };
    const before = { stored: await metric('mcp_shim_state_stored_total'), hits: await metric('mcp_shim_state_hits_total'), misses: await metric('mcp_shim_state_misses_total') };
    llm.reply({ text: 'Counted.' });
    const response = await alice.responses.create({ model: 'analyst', input: 'count me' });
    await alice.responses.retrieve(response.id);
    await expect(alice.responses.retrieve('resp_nothing')).rejects.toMatchObject({ status: 404 });
    expect(await metric('mcp_shim_state_stored_total')).toBe(before.stored + 1);
    expect(await metric('mcp_shim_state_hits_total')).toBe(before.hits + 1);
    expect(await metric('mcp_shim_state_misses_total')).toBe(before.misses + 1);
    expect(await metric('mcp_shim_state_records')).toBeGreaterThanOrEqual(1);
    expect(await metric('mcp_shim_state_evictions_total')).toBe(0);
  });

  test('a tool named a.b, next to one named a_b: each offered under a valid function name, each call reaching its own tool, the step named as the tool is', async () => {
    // First learn the names the LLM is offered, then script calls to them.
    llm.reply({ text: 'Names seen.' });
    await alice.responses.create({ model: 'analyst', input: 'names?' });
    const offered = asked(0).tools!.map((tool) => tool.function);
    for (const { name } of offered) expect(name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    const dotted = offered.find((tool) => tool.description.includes('(a.b)'))!.name;
    expect(offered.find((tool) => tool.description.includes('(a_b)'))!.name).toBe('a_b');
    expect(dotted).toMatch(/^a_b_[0-9a-f]{8}$/);

    llm.requests.length = 0;
    llm.reply({ toolCalls: [{ name: dotted, arguments: { n: 1 } }, { name: 'a_b', arguments: { n: 2 } }] }, { text: 'Both ran.' });
    const response = await alice.responses.create({ model: 'analyst', input: 'run both' });
    expect(response.output_text).toBe('Both ran.');
    const results = asked(1).messages.filter((message) => message.role === 'tool').map((message) => message.content);
    expect(results).toEqual(['a.b ran with {"n":1}', 'a_b ran with {"n":2}']);
    const reasoning = (response.output[0] as { summary: { text: string }[] }).summary[0]!.text;
    expect(reasoning).toMatch(/^a\.b \{"n":1\} → a\.b ran with/);
  });
});

describe('the LLM failing before any tool ran', () => {
  let agents: AgentShim;
  let llm: ScriptedLlm;
  let client: OpenAI;

  beforeAll(async () => {
    agents = await startAgentShim({ mcpServers: { db: stdioTestServer() }, agents: { analyst: { tools: ['pg_*'] }, writer: { tools: ['add'], allowMutations: true } } });
    ({ llm } = agents);
    client = agents.client();
  });
  afterAll(() => agents?.close());

  test("503 from the LLM is a 503 with its message: nothing ran, so a retry is safe", async () => {
    llm.reply({ status: 503, message: 'No deployments available for selected model' });
    const err = await client.responses.create({ model: 'analyst', input: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'llm_unavailable' });
    expect((err as Error).message).toContain('the LLM (llm.baseUrl) answered HTTP 503: No deployments available for selected model');
    expect((err as { headers: Headers }).headers.get('retry-after')).toBe('1');
  });

  test('429 from the LLM is a 429 with its message', async () => {
    llm.reply({ status: 429, message: 'rate limit reached for gpt-test' });
    const err = await client.chat.completions.create({ model: 'analyst', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, code: 'llm_rate_limited' });
    expect((err as Error).message).toContain('rate limit reached for gpt-test');
  });

  test('503 after a tool that may change data ran is a 424, never retried', async () => {
    llm.reply({ toolCalls: [{ name: 'add', arguments: { a: 1, b: 2 } }] }, { status: 503, message: 'No deployments available' });
    const err = await client.responses.create({ model: 'writer', input: 'add' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 424, message: expect.stringContaining('after the agent ran a tool that may change data') });
  });
});

describe('stored responses in Redis', () => {
  let redis: RedisServer;
  let agents: AgentShim;
  let llm: ScriptedLlm;
  let client: OpenAI;

  beforeAll(async () => {
    redis = await startRedis();
    agents = await startAgentShim({ mcpServers: { db: stdioTestServer() }, agents: { analyst: { tools: ['pg_*'] } }, state: { redisUrl: redis.url } });
    ({ llm } = agents);
    client = agents.client();
  });
  afterAll(async () => {
    await agents?.close();
    await redis?.stop();
  });

  test('a conversation continues from Redis; with Redis gone, continuing is a retry-safe 503 and a new answer still comes, saying it was not stored', async () => {
    llm.reply({ text: 'First.' }, { text: 'Second.' });
    const first = await client.responses.create({ model: 'analyst', input: 'one' });
    const second = await client.responses.create({ model: 'analyst', input: 'two', previous_response_id: first.id });
    expect(second.output_text).toBe('Second.');
    expect((llm.requests[1] as unknown as Asked).messages.map((message) => message.content)).toEqual(['one', 'First.', 'two']);

    await redis.stop();
    const err = await client.responses.create({ model: 'analyst', input: 'three', previous_response_id: second.id }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code: 'store_unavailable' });
    expect((err as Error).message).toContain('the state store (Redis) failed');
    llm.reply({ text: 'Answered anyway.' });
    const unstored = await client.responses.create({ model: 'analyst', input: 'fresh' });
    expect(unstored).toMatchObject({ output_text: 'Answered anyway.', store: false });
  });
});

describe('a response larger than state.maxBytes', () => {
  test('is answered, says store: false, and evicts nothing else', async () => {
    const agents = await startAgentShim({ mcpServers: { db: stdioTestServer() }, agents: { analyst: { tools: ['pg_*'] } }, state: { maxBytes: 4096 } });
    try {
      const client = agents.client();
      agents.llm.reply({ text: 'Small.' }, { text: 'x'.repeat(5000) });
      const small = await client.responses.create({ model: 'analyst', input: 'small' });
      const large = await client.responses.create({ model: 'analyst', input: 'large' });
      expect(large).toMatchObject({ store: false, output_text: 'x'.repeat(5000) });
      await expect(client.responses.retrieve(large.id)).rejects.toMatchObject({ status: 404 });
      expect((await client.responses.retrieve(small.id)).output_text).toBe('Small.');
    } finally {
      await agents.close();
    }
  });
});
