import OpenAI, { APIError } from 'openai';
import request from 'supertest';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startRestAdapter, type RestAdapter } from '../fixtures/rest-adapter.js';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.js';
import { freePort } from '../helpers/free-port.js';

const PINNED_SECRET = 'postgres://app:s3cret-pin@db/app';

/**
 * `fromText: llm`: plain sentences become arguments through the configured LLM (a scripted
 * stand-in), for real tools behind the field report's REST adapter, through the official openai client.
 */
describe('arguments from plain text (fromText: llm)', () => {
  let llm: ScriptedLlm;
  let adapter: RestAdapter;
  let shim: RunningShim;
  let client: OpenAI;

  const start = async (tools: ShimConfig['tools'], llmBaseUrl?: string) => {
    const config: ShimConfig = {
      server: { host: '127.0.0.1', port: 0 },
      mcpServers: { adapter: { type: 'rest', url: adapter.url } },
      tools,
      llm: { baseUrl: llmBaseUrl ?? llm.baseUrl, apiKey: 'sk-llm-key-123', model: 'gpt-test', timeoutSeconds: 5 },
    };
    return startShim(config, { host: '127.0.0.1', port: 0 });
  };

  beforeAll(async () => {
    [llm, adapter] = await Promise.all([startScriptedLlm(), startRestAdapter()]);
    shim = await start({
      pg_execute_query: { fromText: 'llm' },
      add: { fromText: 'llm' },
      pid: { fromText: 'llm', confirm: false },
      'pg_*': {},
    });
    client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await shim?.close();
    await Promise.all([llm?.close(), adapter?.close()]);
  });
  beforeEach(() => {
    llm.requests.length = 0;
    adapter.received.length = 0;
  });

  const ask = (model: string, content: string, stream = false) =>
    stream
      ? client.chat.completions.stream({ model, messages: [{ role: 'user', content }] }).finalChatCompletion()
      : client.chat.completions.create({ model, messages: [{ role: 'user', content }] });

  test('a read-only tool runs with the derived arguments, which the answer shows before the result', async () => {
    llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'select', query: 'SELECT * FROM orders' } }] });
    const completion = await ask('pg_execute_query', 'show me all orders');
    const content = completion.choices[0]!.message.content!;
    expect(content).toMatch(/^Called pg_execute_query with these arguments, derived from your message\.\n\n```json\n/);
    expect(content).toContain('"query": "SELECT * FROM orders"');
    expect(content).toContain('"received"');
    expect(adapter.received.map((call) => call.body)).toEqual([{ arguments: { operation: 'select', query: 'SELECT * FROM orders' } }]);

    // The LLM was asked with this tool as its only function, forced, and the person's words.
    const [asked] = llm.requests as { model: string; tools: { function: { name: string; parameters: { properties: object } } }[]; tool_choice: unknown; messages: { role: string; content: string }[] }[];
    expect(asked!.model).toBe('gpt-test');
    expect(asked!.tools.map((tool) => tool.function.name)).toEqual(['pg_execute_query']);
    expect(Object.keys(asked!.tools[0]!.function.parameters.properties)).toEqual(['operation', 'query', 'limit']);
    expect(asked!.tool_choice).toEqual({ type: 'function', function: { name: 'pg_execute_query' } });
    expect(asked!.messages.at(-1)).toEqual({ role: 'user', content: 'show me all orders' });
  });

  test('streamed, the arguments come before the result too', async () => {
    llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'count', query: 'SELECT count(*) FROM orders' } }] });
    const completion = await ask('pg_execute_query', 'how many orders are there', true);
    const content = completion.choices[0]!.message.content!;
    expect(content.indexOf('"query": "SELECT count(*) FROM orders"')).toBeLessThan(content.indexOf('"received"'));
  });

  test('a tool that may change data is not run: the answer shows the JSON to send, and sending it runs the tool', async () => {
    llm.reply({ toolCalls: [{ name: 'add', arguments: { a: 2, b: 3 } }] });
    const shown = (await ask('add', 'add two and three')).choices[0]!.message.content!;
    expect(shown).toBe('```json\n{\n  "a": 2,\n  "b": 3\n}\n```\n\nNot run yet: "add" is not marked read-only, so it may change data. Send exactly this JSON as your message to run it.');
    expect(adapter.received).toEqual([]);
    const json = /```json\n([\s\S]*)\n```/.exec(shown)![1]!;
    const ran = await ask('add', json);
    expect(ran.choices[0]!.message.content).toContain('5');
    expect(adapter.received.map((call) => call.body)).toEqual([{ arguments: { a: 2, b: 3 } }]);
    expect(llm.requests).toHaveLength(1);
  });

  test('confirm: false runs such a tool at once', async () => {
    llm.reply({ toolCalls: [{ name: 'pid', arguments: {} }] });
    const content = (await ask('pid', 'which process are you')).choices[0]!.message.content!;
    expect(content).toMatch(/^Called pid with these arguments/);
    expect(adapter.received.map((call) => call.tool)).toEqual(['pid']);
  });

  test('invalid derived arguments go back to the LLM once with the error; valid ones then run', async () => {
    llm.reply(
      { toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'drop', query: 'SELECT 1' } }] },
      { toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'select', query: 'SELECT 1' } }] },
    );
    await ask('pg_execute_query', 'select one');
    const second = llm.requests[1] as { messages: { role: string; content: string | null; tool_call_id?: string }[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: expect.any(String), content: expect.stringContaining('operation') });
    expect(adapter.received).toHaveLength(1);
  });

  test('two invalid answers, or an answer in words, are the usual 400 with the JSON to type', async () => {
    llm.reply(
      { toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'drop', query: 'x' } }] },
      { toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'drop', query: 'x' } }] },
    );
    const invalid = await ask('pg_execute_query', 'drop everything').catch((err: unknown) => err as APIError);
    expect(invalid).toMatchObject({ status: 400, code: 'invalid_arguments' });
    expect((invalid as APIError).message).toMatch(/the arguments the LLM derived from it are invalid/);
    expect((invalid as APIError).message).toContain('Send this as the last user message, with your own values: {"operation": "select", "query": "<query>"}');

    llm.reply({ text: 'I cannot help with that.' });
    const words = await ask('pg_execute_query', 'sing me a song').catch((err: unknown) => err as APIError);
    expect(words).toMatchObject({ status: 400, code: 'invalid_arguments' });
    expect((words as APIError).message).toMatch(/answered without filling in the arguments/);
    expect(adapter.received).toEqual([]);
  });

  test('JSON messages, tools without fromText, and text the plain-text rule handles never reach the LLM', async () => {
    await ask('pg_execute_query', '{"operation": "select", "query": "SELECT 1"}');
    await expect(ask('pg_execute_query', '{"operation": "nope", "query": "x"}')).rejects.toMatchObject({ status: 400 });
    await ask('echo', 'plain text for the one parameter');
    await expect(ask('slow', 'wait a little')).rejects.toMatchObject({ status: 400 });
    expect(llm.requests).toEqual([]);
  });

  test('a failing or unreachable LLM is a clear error and nothing runs', async () => {
    llm.reply({ status: 500, message: 'model overloaded' });
    await expect(ask('pg_execute_query', 'show orders')).rejects.toMatchObject({
      status: 502,
      code: 'llm_failed',
      message: expect.stringContaining('the LLM (llm.baseUrl) answered HTTP 500: model overloaded'),
    });
    llm.reply({ status: 400, message: 'this model does not support tools' });
    await expect(ask('pg_execute_query', 'show orders')).rejects.toMatchObject({ status: 400, code: 'llm_refused', message: expect.stringContaining('does not support tools') });
    const down = await start({ pg_execute_query: { fromText: 'llm' } }, `http://127.0.0.1:${await freePort()}/v1`);
    try {
      const res = await request(down.url).post('/tools/pg_execute_query/chat/completions').send({ messages: [{ role: 'user', content: 'show orders' }] });
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ message: 'the LLM (llm.baseUrl) cannot be reached', code: 'llm_unavailable' });
    } finally {
      await down.close();
    }
    expect(adapter.received).toEqual([]);
  });

  test('pinned values never reach the LLM nor the shown JSON', async () => {
    const pinned = await start({ add: { fromText: 'llm', pin: { a: PINNED_SECRET.length } }, echo: { pin: { message: PINNED_SECRET } } });
    try {
      llm.reply({ toolCalls: [{ name: 'add', arguments: { b: 1 } }] });
      const res = await request(pinned.url).post('/tools/add/chat/completions').send({ messages: [{ role: 'user', content: 'add one' }] });
      expect(res.body.choices[0].message.content).toContain('"b": 1');
      expect(res.body.choices[0].message.content).not.toContain('"a"');
      const asked = llm.requests[0] as { tools: { function: { parameters: { properties: object } } }[] };
      expect(Object.keys(asked.tools[0]!.function.parameters.properties)).toEqual(['b']);
      expect(JSON.stringify(llm.requests)).not.toContain(PINNED_SECRET);
    } finally {
      await pinned.close();
    }
  });
});
