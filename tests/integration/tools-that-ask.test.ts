import request from 'supertest';
import type { ServerConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { modernStdioEntry, newRecord, startModernHttp, type ModernHttpServer, type ToolRecord } from '../fixtures/modern-server.js';
import { startAgentShim, type AgentShim } from '../helpers/agent-shim.js';
import { Chat } from '../helpers/chat.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { EVERYTHING } from '../fixtures/everything.js';
import { ask, clientForTool, modelIds, startTestShim } from '../helpers/shim.js';

const deletions = async (shim: RunningShim) => Number(await ask(shim, 'deletions', ''));

describe.each(['stdio', 'streamable-http'] as const)('a 2026-07-28 tool that asks for a confirmation, over %s', (kind) => {
  let record: ToolRecord;
  let server: ModernHttpServer | undefined;
  let shim: RunningShim;

  beforeAll(async () => {
    record = newRecord();
    if (kind === 'streamable-http') server = await startModernHttp(record);
    const entry: ServerConfig = server ? { type: 'streamable-http', url: server.url } : modernStdioEntry(record);
    shim = await startTestShim({ modern: entry });
  });
  afterAll(async () => {
    await shim.close();
    await server?.close();
  });

  test('chat completions: the question comes as the answer, the next message answers it, the tool runs once', async () => {
    const before = await deletions(shim);
    const chat = new Chat(clientForTool(shim, 'delete_rows'), 'delete_rows');
    const question = await chat.say('{"table": "orders"}');
    expect(question).toContain('delete_rows asks:** Delete every row of "orders"?');
    expect(question).toContain('```json\n{"confirm": true, "reason": "<reason>"}\n```');
    expect(question).toMatch(/- confirm \(boolean, required\): Delete every row\?/);
    expect(question).toMatch(/Question ask_\S+ is open for \d+ hours/);
    expect(await deletions(shim)).toBe(before);

    const result = await chat.say('{"confirm": true, "reason": "test data"}');
    expect(result).toBe('Deleted 3 rows from "orders" (test data).');
    expect(await deletions(shim)).toBe(before + 1);
    expect(record.lines().filter((line) => line === 'deleted orders')).toHaveLength(before + 1);
  });

  test('a wrong answer is a 400 that shows what to send; nothing runs, and a right answer after it still works', async () => {
    const before = await deletions(shim);
    const chat = new Chat(clientForTool(shim, 'delete_rows'), 'delete_rows');
    await chat.say('{"table": "invoices"}');
    const error = await chat.sayWrongly('{"confirm": "sure"}');
    expect(error.status).toBe(400);
    expect(expectOpenAIError(error.error && { error: error.error }, 'invalid_answer').message).toMatch(
      /^That answer does not fit what "delete_rows" asked: .*confirm.*boolean.*\nReply with JSON like this, with your own values: \{"confirm": true, "reason": "<reason>"\}/s,
    );
    expect(await deletions(shim)).toBe(before);
    expect(await chat.say('{"confirm": true, "reason": "archived"}')).toBe('Deleted 3 rows from "invoices" (archived).');
    expect(await deletions(shim)).toBe(before + 1);
  });

  test('"no" declines: the tool answers the decline and deletes nothing', async () => {
    const before = await deletions(shim);
    const chat = new Chat(clientForTool(shim, 'delete_rows'), 'delete_rows');
    await chat.say('{"table": "customers"}');
    expect(await chat.say('no')).toBe('Nothing deleted from "customers": the user answered decline.');
    expect(await chat.say('{"table": "customers"}')).toContain('Delete every row of "customers"?');
    expect(await chat.say('cancel')).toBe('Nothing deleted from "customers": the user answered cancel.');
    expect(await deletions(shim)).toBe(before);
  });

  test('an answer sent twice runs the tool once: the second finds the question closed', async () => {
    const before = await deletions(shim);
    const chat = new Chat(clientForTool(shim, 'delete_rows'), 'delete_rows');
    await chat.say('{"table": "twice"}');
    const history = [...chat.messages, { role: 'user' as const, content: '{"confirm": true, "reason": "once"}' }];
    const send = () => request(shim.url).post('/tools/delete_rows/chat/completions').send({ messages: history });
    const [first, second] = await Promise.all([send(), send()]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 400]);
    const refused = first.status === 400 ? first : second;
    expect(expectOpenAIError(refused.body, 'question_closed').message).toMatch(/no longer open.*Nothing ran with this reply/);
    expect(await deletions(shim)).toBe(before + 1);
  });

  test('streamed: the question and the result come as the streamed answer', async () => {
    const chat = new Chat(clientForTool(shim, 'delete_rows'), 'delete_rows', true);
    expect(await chat.say('{"table": "streamed"}')).toContain('Delete every row of "streamed"?');
    expect(await chat.say('{"confirm": true, "reason": "streamed"}')).toBe('Deleted 3 rows from "streamed" (streamed).');
  });

  test('the Responses API: previous_response_id carries the answer to the question', async () => {
    const before = await deletions(shim);
    const client = clientForTool(shim, 'delete_rows');
    const asked = await client.responses.create({ model: 'delete_rows', input: '{"table": "sessions"}' });
    expect(asked.output_text).toContain('Delete every row of "sessions"?');
    expect(asked.output_text).toContain(`Question ${asked.id} is open`);
    const done = await client.responses.create({ model: 'delete_rows', input: '{"confirm": true, "reason": "expired"}', previous_response_id: asked.id });
    expect(done.output_text).toBe('Deleted 3 rows from "sessions" (expired).');
    // The same reply again: the question was answered, and nothing runs twice.
    const again = await request(shim.url)
      .post('/tools/delete_rows/responses')
      .send({ model: 'delete_rows', input: '{"confirm": true, "reason": "expired"}', previous_response_id: asked.id });
    expect(expectOpenAIError(again.body, 'question_closed').message).toMatch(/no longer open: it was answered already/);
    // An ordinary call that continues from the answer (as LiteLLM's playground sends it) is a new call.
    const next = await client.responses.create({ model: 'delete_rows', input: '{"table": "carts"}', previous_response_id: done.id });
    expect(next.output_text).toContain('Delete every row of "carts"?');
    expect(await deletions(shim)).toBe(before + 1);
  });

  test('legacy completions: the prompt holding the question and the reply after it', async () => {
    const before = await deletions(shim);
    const client = clientForTool(shim, 'delete_rows');
    const asked = await client.completions.create({ model: 'delete_rows', prompt: '{"table": "logs"}' });
    const question = asked.choices[0]!.text;
    expect(question).toContain('Delete every row of "logs"?');
    const done = await client.completions.create({ model: 'delete_rows', prompt: `${question}\n{"confirm": true, "reason": "rotated"}` });
    expect(done.choices[0]!.text).toBe('Deleted 3 rows from "logs" (rotated).');
    expect(await deletions(shim)).toBe(before + 1);
  });

  test('two questions at once: one JSON object with a member for each, as the example shows', async () => {
    const chat = new Chat(clientForTool(shim, 'transfer'), 'transfer');
    const question = await chat.say('{"amount": 40}');
    expect(question).toContain('**transfer asks (approval):** Approve moving 40?');
    expect(question).toContain('**transfer asks (note):** A note for the statement?');
    expect(question).toContain('{"approval": {"approve":true}, "note": {"text":"<text>"}}');
    const error = await chat.sayWrongly('{"approval": {"approve": true}}');
    expect(expectOpenAIError({ error: error.error }, 'invalid_answer').message).toMatch(/"note": missing required parameter "text"/);
    expect(await chat.say('{"approval": {"approve": true}, "note": {"text": "rent"}}')).toBe('moved 40 (rent)');
  });

  test('the OpenAPI face cannot ask: a 424 that names the question, not retried, and nothing deleted', async () => {
    const before = await deletions(shim);
    const res = await request(shim.url).post('/openapi/delete_rows').send({ table: 'programs' });
    expect(res.status).toBe(424);
    expect(res.headers['x-should-retry']).toBe('false');
    expect(expectOpenAIError(res.body, 'input_not_carried').message).toMatch(/asks the person a question \("Delete every row of "programs"\?"\)/);
    expect(await deletions(shim)).toBe(before);
  });
});

describe('an older-era server asks through the same turn: the official "everything" server over stdio', () => {
  let shim: RunningShim;
  const tool = 'trigger-elicitation-request';

  beforeAll(async () => {
    shim = await startTestShim({ everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } });
  });
  afterAll(async () => {
    await shim.close();
  });

  test('it lists its elicitation tool: the shim declares the capability', async () => {
    expect(await modelIds(shim)).toContain(tool);
  });

  test('its question is asked in chat and the reply answers it, while the call waits', async () => {
    const chat = new Chat(clientForTool(shim, tool), tool);
    const question = await chat.say('');
    expect(question).toContain(`**${tool} asks:** Please provide inputs for the following fields:`);
    expect(question).toMatch(/- name \(string, required\): Your full, legal name/);
    expect(question).toContain('"integer": 42');
    expect(question).toMatch(/Question ask_\S+ is open while the tool waits for it/);
    expect(await chat.say('{"name": "Ada Lovelace", "integer": 7}')).toMatch(/User provided the requested information![\s\S]*- Name: Ada Lovelace[\s\S]*- Favorite Integer: 7/);
  });

  test('a URL to open: the question shows the link, and "done" accepts it', async () => {
    const chat = new Chat(clientForTool(shim, 'trigger-url-elicitation'), 'trigger-url-elicitation');
    const question = await chat.say('{"url": "https://auth.example.com/consent", "message": "Sign in to continue."}');
    expect(question).toContain('**trigger-url-elicitation asks:** Sign in to continue.');
    expect(question).toContain('Open this link and finish there: https://auth.example.com/consent');
    expect(question).toContain('Reply "done" once you have finished there.');
    expect(question).not.toContain('```json');
    expect(await chat.say('done')).toMatch(/User completed the URL elicitation flow\.[\s\S]*URL: https:\/\/auth\.example\.com\/consent/);
  });

  test('a wrong reply is a 400 with the example, the call still waits, and "no" then declines', async () => {
    const chat = new Chat(clientForTool(shim, tool), tool);
    await chat.say('');
    const error = await chat.sayWrongly('{"integer": 500}');
    expect(error.status).toBe(400);
    expect(expectOpenAIError({ error: error.error }, 'invalid_answer').message).toMatch(/^That answer does not fit what "trigger-elicitation-request" asked: missing required parameter "name"; "integer" must be <= 100\.\nReply with JSON like this/);
    expect(await chat.say('no')).toMatch(/User declined to provide the requested information/);
  });

  test('no more calls are held at questions than the server may run (maxConcurrentCalls): a further question is cancelled', async () => {
    const narrow = await startTestShim({ everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], maxConcurrentCalls: 1 } });
    try {
      expect(await new Chat(clientForTool(narrow, tool), tool).say('')).toContain('Please provide inputs');
      expect(await new Chat(clientForTool(narrow, tool), tool).say('')).toContain('User cancelled the elicitation dialog');
    } finally {
      await narrow.close();
    }
  });

  test('a reply after the call reached its time limit finds the question closed; nothing ran with it', async () => {
    const quick = await startTestShim({ everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], timeoutSeconds: 1 } });
    try {
      const chat = new Chat(clientForTool(quick, tool), tool);
      await chat.say('');
      // The call's time limit runs while the person thinks: the server is cancelled, the call ends.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const error = await chat.sayWrongly('{"name": "Late"}');
      expect(error.status).toBe(400);
      expect(expectOpenAIError({ error: error.error }, 'question_closed').message).toMatch(/no longer open: upstream "everything" stopped waiting/);
      // The server is fine, and asks again.
      expect(await new Chat(clientForTool(quick, tool), tool).say('')).toContain('Please provide inputs');
    } finally {
      await quick.close();
    }
  });
});

describe("an agent's tool asks: the question goes to the person through the agent's answer, not to the LLM", () => {
  let agents: AgentShim;
  let record: ToolRecord;

  beforeAll(async () => {
    record = newRecord();
    agents = await startAgentShim({
      mcpServers: { modern: modernStdioEntry(record) },
      agents: { janitor: { tools: ['delete_rows'], allowMutations: true, instructions: 'You clean tables.' } },
    });
  });
  afterAll(() => agents?.close());

  const toolMessages = (request: Record<string, unknown>) => (request.messages as { role: string; content: string }[]).filter((message) => message.role === 'tool');

  test('chat completions: the agent stops at the question, the reply resumes its tool call, the LLM gets the result', async () => {
    const { llm } = agents;
    llm.requests.length = 0;
    llm.reply({ toolCalls: [{ name: 'delete_rows', arguments: { table: 'orders' } }] }, { text: 'The orders table is empty now.' });
    const chat = new Chat(agents.client(), 'janitor');
    const question = await chat.say('Please empty the orders table.');
    expect(question).toContain('**delete_rows asks:** Delete every row of "orders"?');
    expect(llm.requests).toHaveLength(1);
    expect(record.lines()).not.toContain('deleted orders');

    expect(await chat.say('{"confirm": true, "reason": "asked by the user"}')).toBe('The orders table is empty now.');
    expect(llm.requests).toHaveLength(2);
    expect(toolMessages(llm.requests[1]!).map((message) => message.content)).toEqual(['Deleted 3 rows from "orders" (asked by the user).']);
    // The LLM never saw the question or the reply: it is the tool's business with the person.
    expect(JSON.stringify(llm.requests[1]!.messages)).not.toContain('asked by the user"}');
    expect(record.lines().filter((line) => line === 'deleted orders')).toHaveLength(1);
  });

  test('the Responses API: previous_response_id resumes the agent, and "no" is the tool\'s to answer', async () => {
    const { llm } = agents;
    llm.requests.length = 0;
    llm.reply({ toolCalls: [{ name: 'delete_rows', arguments: { table: 'carts' } }] }, { text: 'I left the carts alone.' });
    const client = agents.client();
    const asked = await client.responses.create({ model: 'janitor', input: 'Empty the carts table.' });
    expect(asked.output_text).toContain('Delete every row of "carts"?');
    // Stored like any answer of an agent: it can be retrieved as it was created.
    expect((asked as { store?: boolean }).store).toBe(true);
    expect(await client.responses.retrieve(asked.id)).toEqual(asked);
    const done = await client.responses.create({ model: 'janitor', input: 'no', previous_response_id: asked.id });
    expect(done.output_text).toBe('I left the carts alone.');
    expect(toolMessages(llm.requests[1]!).map((message) => message.content)).toEqual(['Nothing deleted from "carts": the user answered decline.']);
    expect(record.lines()).not.toContain('deleted carts');
    // The question is answered: going on from it again runs nothing, and the LLM is not asked.
    await expect(client.responses.create({ model: 'janitor', input: 'yes', previous_response_id: asked.id })).rejects.toMatchObject({ status: 400, code: 'question_closed' });
    expect(llm.requests).toHaveLength(2);
    expect(await client.responses.retrieve(asked.id)).toEqual(asked);
  });

  test('deleting the answer that asked closes its question: a reply to it runs nothing', async () => {
    const { llm } = agents;
    llm.requests.length = 0;
    llm.reply({ toolCalls: [{ name: 'delete_rows', arguments: { table: 'logs' } }] });
    const client = agents.client();
    const asked = await client.responses.create({ model: 'janitor', input: 'Empty the logs table.' });
    expect(asked.output_text).toContain('Delete every row of "logs"?');
    expect(await client.responses.delete(asked.id)).toMatchObject({ id: asked.id, deleted: true });
    await expect(client.responses.retrieve(asked.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.responses.create({ model: 'janitor', input: 'yes', previous_response_id: asked.id })).rejects.toMatchObject({ status: 400, code: 'question_closed' });
    expect(llm.requests).toHaveLength(1);
    expect(record.lines()).not.toContain('deleted logs');
  });
});

describe('with Redis, a 2026-07-28 question asked through one replica is answered through another', () => {
  let redis: RedisServer;
  let server: ModernHttpServer;
  let replicas: RunningShim[];

  beforeAll(async () => {
    redis = await startRedis();
    server = await startModernHttp(newRecord());
    const config = { server: { host: '127.0.0.1', port: 0 }, mcpServers: { modern: { type: 'streamable-http' as const, url: server.url } }, state: { redisUrl: redis.url } };
    replicas = await Promise.all([startShim(config, { host: '127.0.0.1', port: 0 }), startShim(config, { host: '127.0.0.1', port: 0 })]);
  });
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await server.close();
    await redis.stop();
  });

  test('chat: asked by one, answered by the other, run once', async () => {
    const [first, second] = replicas as [RunningShim, RunningShim];
    const before = await deletions(first);
    const asking = new Chat(clientForTool(first, 'delete_rows'), 'delete_rows');
    await asking.say('{"table": "shared"}');
    const history = [...asking.messages, { role: 'user' as const, content: '{"confirm": true, "reason": "any replica"}' }];
    const done = await clientForTool(second, 'delete_rows').chat.completions.create({ model: 'delete_rows', messages: history });
    expect(done.choices[0]!.message.content).toBe('Deleted 3 rows from "shared" (any replica).');
    const again = await request(first.url).post('/tools/delete_rows/chat/completions').send({ messages: history });
    expect(expectOpenAIError(again.body, 'question_closed').message).toMatch(/no longer open/);
    expect(await deletions(second)).toBe(before + 1);
  });
});
