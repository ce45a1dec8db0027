import path from 'node:path';
import OpenAI from 'openai';
import request from 'supertest';
import type { RunningShim } from '../../src/server.js';
import { SEED_ARGUMENTS, clientForTool, startTestShim, stdioTestServer } from '../helpers/shim.js';

describe('a stdio MCP server served as OpenAI models', () => {
  let shim: RunningShim;

  beforeAll(async () => {
    shim = await startTestShim({ db: stdioTestServer() });
  });
  afterAll(() => shim.close());

  test("the seed request reaches the tool as its arguments (openai client, LiteLLM's api_base)", async () => {
    const openai = clientForTool(shim, 'pg_execute_query');
    const completion = await openai.chat.completions.create({
      model: 'pg_execute_query',
      messages: [{ role: 'user', content: JSON.stringify(SEED_ARGUMENTS) }],
      // The tool's answer as one JSON document (without it: a fenced block, for people).
      response_format: { type: 'json_object' },
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.model).toBe('pg_execute_query');
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.choices[0]!.message.role).toBe('assistant');
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ received: SEED_ARGUMENTS });
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
  });

  test('streaming yields role, content, stop and usage chunks that the openai client assembles', async () => {
    const openai = clientForTool(shim, 'echo');
    const stream = await openai.chat.completions.create({
      model: 'ignored-when-the-path-names-the-tool',
      messages: [{ role: 'user', content: 'hello there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    const finishReasons: (string | null)[] = [];
    let usage;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      expect(chunk.model).toBe('echo');
      for (const choice of chunk.choices) {
        content += choice.delta.content ?? '';
        finishReasons.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe('echo: hello there');
    expect(finishReasons.at(-1)).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  test('the raw stream ends with data: [DONE] and has no usage chunk unless asked', async () => {
    const res = await request(shim.url)
      .post('/tools/echo/chat/completions')
      .send({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.text.split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, '')));
    expect(chunks.map((c) => c.choices[0]?.finish_reason)).toEqual([null, null, 'stop']);
    expect(chunks.every((c) => c.usage === undefined)).toBe(true);
  });

  test('the plain OpenAI route takes the tool from body.model, with or without openai/', async () => {
    for (const model of ['echo', 'openai/echo']) {
      const res = await request(shim.url)
        .post('/v1/chat/completions')
        .send({ model, messages: [{ role: 'user', content: 'via model' }], temperature: 0.2, max_tokens: 5, n: 1 });
      expect(res.status).toBe(200);
      expect(res.body.choices[0].message.content).toBe('echo: via model');
    }
    const res = await request(shim.url).post('/tools/echo/v1/chat/completions').send({ messages: [{ role: 'user', content: 'v1' }] });
    expect(res.body.choices[0].message.content).toBe('echo: v1');
  });

  test('a tool error is still an answer, flagged by x-mcp-tool-error', async () => {
    const res = await request(shim.url).post('/tools/fail/chat/completions').send({ messages: [{ role: 'user', content: '' }] });
    expect(res.status).toBe(200);
    expect(res.headers['x-mcp-tool-error']).toBe('true');
    expect(res.body.choices[0].message.content).toBe('the database said no');
  });

  test('structured content without text is shown as JSON; images as Markdown data URIs', async () => {
    const sum = await clientForTool(shim, 'add').chat.completions.create({
      model: 'add',
      messages: [{ role: 'user', content: '```json\n{"a": 2, "b": 40}\n```' }],
    });
    expect(sum.choices[0]!.message.content).toBe('```json\n{\n  "sum": 42\n}\n```');
    const image = await clientForTool(shim, 'image').chat.completions.create({ model: 'image', messages: [{ role: 'user', content: '' }] });
    expect(image.choices[0]!.message.content).toMatch(/^a pixel:\n\n!\[image\]\(data:image\/png;base64,iVBOR[^)]+\)$/);
  });

  test('models are listed in OpenAI shape, owned by their upstream', async () => {
    const models = [];
    for await (const model of new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'x', maxRetries: 0 }).models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(['add', 'crash', 'echo', 'fail', 'image', 'pg_execute_query', 'pid', 'slow']);
    expect(models.every((m) => m.object === 'model' && m.owned_by === 'db')).toBe(true);
    const one = await clientForTool(shim, 'echo').models.list();
    expect(one.data.map((m) => m.id)).toEqual(['echo']);
    const retrieved = await request(shim.url).get('/v1/models/pg_execute_query');
    expect(retrieved.body).toMatchObject({ id: 'pg_execute_query', object: 'model', owned_by: 'db' });
    expect((await request(shim.url).get('/models')).body.data).toHaveLength(8);
  });

  test("the REST adapter's routes keep their shapes through the shim", async () => {
    const tools = await request(shim.url).get('/tools');
    const query = tools.body.tools.find((t: { name: string }) => t.name === 'pg_execute_query');
    expect(query.description).toBe('Execute a read-only SQL query');
    expect(query.inputSchema.required).toEqual(['operation', 'query']);
    const call = await request(shim.url).post('/tools/pg_execute_query').send({ arguments: SEED_ARGUMENTS });
    expect(call.status).toBe(200);
    expect(call.body.content[0].type).toBe('text');
    expect(JSON.parse(call.body.content[0].text)).toEqual({ received: SEED_ARGUMENTS });
    const health = await request(shim.url).get('/health');
    expect(health.body).toEqual({ status: 'ok', upstreams: { db: { kind: 'stdio', state: 'ready', restarts: 0, tools: 8 } } });
  });

  test('a tool that exists on the server under a qualified name answers too', async () => {
    const res = await request(shim.url).post('/tools/db__echo/chat/completions').send({ messages: [{ role: 'user', content: 'q' }] });
    expect(res.body.choices[0].message.content).toBe('echo: q');
    expect(res.body.model).toBe('echo');
  });
});

test('a tool whose definition the MCP SDK rejects is skipped; the server keeps its other tools', async () => {
  const shim = await startTestShim({ odd: { command: process.execPath, args: [path.join(__dirname, '../fixtures/odd-tool-server.mjs')] } });
  try {
    expect((await request(shim.url).get('/v1/models')).body.data.map((model: { id: string }) => model.id)).toEqual(['good']);
    const res = await request(shim.url).post('/tools/good/chat/completions').send({ messages: [{ role: 'user', content: '' }] });
    expect(res.body.choices[0].message.content).toBe('good ran');
  } finally {
    await shim.close();
  }
});
