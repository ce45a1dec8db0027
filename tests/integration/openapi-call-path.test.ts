import request from 'supertest';
import { startShim, type RunningShim } from '../../src/server.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { sample } from '../helpers/prometheus-text.js';
import { eventually, stdioTestServer } from '../helpers/shim.js';

/**
 * An operation call (`POST /openapi/<tool>`, the body is the arguments) and a chat call
 * (`POST /tools/<tool>/chat/completions`, the last user message holds them) take one call path:
 * the same validation, pins, metrics and statuses.
 */
describe('the OpenAPI face and the chat face share one call path', () => {
  let shim: RunningShim;
  const viaOperation = (tool: string, args: object) => request(shim.url).post(`/openapi/${tool}`).send(args);
  const viaChat = (tool: string, args: object) =>
    request(shim.url).post(`/tools/${tool}/chat/completions`).send({ model: tool, messages: [{ role: 'user', content: JSON.stringify(args) }], response_format: { type: 'json_object' } });
  const faces = [
    ['operation', viaOperation],
    ['chat', viaChat],
  ] as const;

  beforeAll(async () => {
    shim = await startShim(
      {
        server: { host: '127.0.0.1', port: 0 },
        mcpServers: { db: stdioTestServer({ timeoutSeconds: 0.5 }) },
        tools: { pg_execute_query: { pin: { operation: 'select' }, hide: ['limit'] } },
      },
      { host: '127.0.0.1', port: 0 },
    );
  });
  afterAll(() => shim.close());

  test.each([
    ['a missing parameter', 'echo', {}],
    ['a value of the wrong type', 'add', { a: 1, b: 'two' }],
    ['a pinned parameter', 'pg_execute_query', { query: 'SELECT 1', operation: 'delete' }],
    ['a hidden parameter', 'pg_execute_query', { query: 'SELECT 1', limit: 5 }],
  ])('%s: the same 400 and the same problem; only where to put the JSON differs', async (_case, tool, args) => {
    const [operation, chat] = await Promise.all([viaOperation(tool, args), viaChat(tool, args)]);
    expect(operation.status).toBe(400);
    expect(chat.status).toBe(400);
    const fromOperation = expectOpenAIError(operation.body, 'invalid_arguments');
    const fromChat = expectOpenAIError(chat.body, 'invalid_arguments');
    expect(fromOperation.type).toBe(fromChat.type);
    expect(fromOperation.message.split('\n')[0]).toBe(fromChat.message.split('\n')[0]);
    expect([fromOperation.param, fromChat.param]).toEqual(['body', 'messages']);
  });

  test('pinned arguments: the tool gets the same arguments through both, the pin included', async () => {
    const args = { query: 'SELECT 1' };
    const operation = await viaOperation('pg_execute_query', args);
    const chat = await viaChat('pg_execute_query', args);
    const received = { received: { query: 'SELECT 1', operation: 'select' } };
    expect(operation.body.data).toEqual(received);
    expect(JSON.parse(chat.body.choices[0].message.content)).toEqual(received);
  });

  test('metrics: the same calls through each face count the same, by tool and outcome', async () => {
    const calls = [
      ['echo', { message: 'hi' }, 200],
      ['echo', { wrong: 1 }, 400],
      ['fail', {}, 200],
      ['slow', { ms: 2000 }, 424],
    ] as const;
    const counts = async () => {
      const text = (await request(shim.url).get('/metrics')).text;
      const series = [
        ['echo', 'success'],
        ['echo', 'rejected'],
        ['fail', 'tool_error'],
        ['slow', 'timeout'],
      ].map(([tool, outcome]) => sample(text, 'mcp_shim_tool_calls_total', { tool: tool!, upstream: 'db', outcome: outcome! }) ?? 0);
      const durations = ['echo', 'fail', 'slow'].map((tool) => sample(text, 'mcp_shim_tool_call_duration_seconds_count', { tool, upstream: 'db' }) ?? 0);
      return { series, durations, text };
    };
    const deltas: Record<string, number[][]> = {};
    for (const [face, send] of faces) {
      const before = await counts();
      for (const [tool, args, status] of calls) expect((await send(tool, args)).status).toBe(status);
      const after = await counts();
      deltas[face] = [after.series.map((n, i) => n - before.series[i]!), after.durations.map((n, i) => n - before.durations[i]!)];
    }
    expect(deltas.operation).toEqual([[1, 1, 1, 1], [1, 1, 1]]);
    expect(deltas.chat).toEqual(deltas.operation);
    // Each request is counted by the route it came by.
    const text = (await counts()).text;
    expect(sample(text, 'mcp_shim_http_requests_total', { route: '/openapi/:name', status: '424' })).toBe(1);
    expect(sample(text, 'mcp_shim_http_requests_total', { route: '/tools/:name/chat/completions', status: '424' })).toBe(1);
  });

  test("a mutating tool's failure after it may have run: the same 424, not to be retried, through both", async () => {
    const answers = [];
    for (const [, send] of faces) {
      answers.push(await send('crash', {}));
      // The server restarts after the crash; the next face's call must reach it.
      await eventually(async () => (await request(shim.url).get('/health')).body.upstreams.db.state === 'ready');
    }
    for (const res of answers) {
      expect(res.status).toBe(424);
      expect(res.headers['x-should-retry']).toBe('false');
    }
    const [operation, chat] = answers.map((res) => expectOpenAIError(res.body, 'upstream_failed'));
    expect(operation).toEqual(chat);
    expect(operation!.message).toMatch(/the tool may have run\. Not retried/);
  });
});
