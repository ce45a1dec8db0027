import request from 'supertest';
import { startShim, type RunningShim } from '../../src/server.js';
import { stdioTestServer } from '../helpers/shim.js';

const user = (content: string) => ({ messages: [{ role: 'user', content }] });
const SEED = '{"operation": "select", "query": "SELECT 1"}';
const RECEIVED = { received: { operation: 'select', query: 'SELECT 1' } };

describe('answers for people, JSON for programs', () => {
  let shim: RunningShim;

  beforeAll(async () => {
    shim = await startShim(
      {
        server: { host: '127.0.0.1', port: 0 },
        // The glob's render wins over the server's; `echo` keeps the server's.
        tools: { 'pg_*': { render: 'text' } },
        mcpServers: { db: stdioTestServer({ tools: { include: ['pg_execute_query', 'echo', 'fail', 'add'] } }), j: stdioTestServer({ prefix: 'j_', render: 'json', tools: { include: ['echo', 'add'] } }) },
      },
      { host: '127.0.0.1', port: 0 },
    );
  });
  afterAll(() => shim.close());

  const chat = (tool: string, body: object) => request(shim.url).post(`/tools/${tool}/chat/completions`).send(body);
  const content = (res: request.Response) => res.body.choices[0].message.content as string;

  test('render: auto (the default) shows a JSON answer as a fenced block', async () => {
    expect(content(await chat('add', user('{"a": 1, "b": 2}')))).toBe('```json\n{\n  "sum": 3\n}\n```');
  });

  test("render from the tools: section (a glob) wins over the server's, which wins over auto", async () => {
    expect(content(await chat('pg_execute_query', user(SEED)))).toBe(JSON.stringify(RECEIVED));
    expect(content(await chat('j_add', user('{"a": 1, "b": 2}')))).toBe('{"sum":3}');
    expect(content(await chat('j_echo', user('hi')))).toBe('{"text":"echo: hi"}');
  });

  test('response_format json_object: exactly one JSON document, on every face', async () => {
    const asked = await chat('add', { ...user('{"a": 1, "b": 2}'), response_format: { type: 'json_object' } });
    expect(JSON.parse(content(asked))).toEqual({ sum: 3 });
    const schema = await chat('pg_execute_query', { ...user(SEED), response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } });
    expect(JSON.parse(content(schema))).toEqual(RECEIVED);
    const responses = await request(shim.url).post('/tools/add/responses').send({ input: '{"a": 1, "b": 2}', text: { format: { type: 'json_object' } } });
    expect(JSON.parse(responses.body.output_text)).toEqual({ sum: 3 });
    expect(responses.body.text).toEqual({ format: { type: 'json_object' } });
    const completions = await request(shim.url).post('/tools/add/completions').send({ prompt: '{"a": 1, "b": 2}', response_format: { type: 'json_object' } });
    expect(JSON.parse(completions.body.choices[0].text)).toEqual({ sum: 3 });
    const streamed = await chat('add', { ...user('{"a": 1, "b": 2}'), response_format: { type: 'json_object' }, stream: true });
    const deltas = streamed.text
      .split('\n\n')
      .filter((event) => event.startsWith('data: {'))
      .map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? '')
      .join('');
    expect(JSON.parse(deltas)).toEqual({ sum: 3 });
  });

  test('a tool error asked for as JSON is {"text": …}, still flagged by the header', async () => {
    const res = await chat('fail', { ...user(''), response_format: { type: 'json_object' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-mcp-tool-error']).toBe('true');
    expect(JSON.parse(content(res))).toEqual({ text: 'the database said no' });
  });
});
