import express from 'express';
import request from 'supertest';
import type { RunningShim } from '../../src/server.js';
import type { RestAdapter, ResultShape } from '../fixtures/rest-adapter.js';
import { listen } from '../helpers/listen.js';
import { SEED_ARGUMENTS, clientForTool, startShimOverAdapter, startTestShim, type ShimOverAdapter } from '../helpers/shim.js';

describe.each<ResultShape>(['raw', 'result', 'jsonrpc'])('the REST adapter upstream answering %s results', (shape) => {
  let adapter: RestAdapter;
  let shim: RunningShim;

  let pair: ShimOverAdapter;

  beforeAll(async () => {
    pair = await startShimOverAdapter(shape);
    ({ adapter, shim } = pair);
  });
  afterAll(() => pair.close());

  test('the seed request reaches POST /tools/{name} as {"arguments": {...}}', async () => {
    const completion = await clientForTool(shim, 'pg_execute_query').chat.completions.create({
      model: 'pg_execute_query',
      messages: [{ role: 'user', content: JSON.stringify(SEED_ARGUMENTS) }],
      // The tool's answer as one JSON document (without it: a fenced block, for people).
      response_format: { type: 'json_object' },
    });
    expect(adapter.received.at(-1)).toEqual({ tool: 'pg_execute_query', body: { arguments: SEED_ARGUMENTS }, headers: expect.any(Object) });
    expect(adapter.received.at(-1)!.headers).toMatchObject({ 'content-type': 'application/json', accept: expect.stringContaining('application/json') });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual({ received: SEED_ARGUMENTS });
  });

  test('streaming through the REST upstream', async () => {
    const stream = await clientForTool(shim, 'echo').chat.completions.create({
      model: 'echo',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'from parts' }] }],
      stream: true,
    });
    let content = '';
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? '';
    expect(content).toBe('echo: from parts');
  });

  test('tools come from GET /tools, with their schemas', async () => {
    const res = await request(shim.url).get('/v1/models');
    expect(res.body.data.map((m: { id: string }) => m.id)).toContain('pg_execute_query');
    expect(res.body.data.every((m: { owned_by: string }) => m.owned_by === 'adapter')).toBe(true);
    const bad = await request(shim.url)
      .post('/tools/pg_execute_query/chat/completions')
      .send({ messages: [{ role: 'user', content: '{"operation": "drop", "query": "x"}' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"operation" must be one of "select", "count", "exists"');
  });
});

describe('the REST adapter upstream accepts other list shapes', () => {
  test('a bare array with input_schema', async () => {
    const app = express();
    app.use(express.json());
    app.get('/tools', (_req, res) => {
      res.json([{ name: 'shout', description: 'Upper-cases text', input_schema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }]);
    });
    app.post('/tools/shout', (req, res) => {
      res.json({ result: { content: [{ type: 'text', text: String(req.body.arguments.text).toUpperCase() }] } });
    });
    const upstream = await listen(app);
    const shim = await startTestShim({ plain: { type: 'rest', url: upstream.url } });
    try {
      const res = await request(shim.url).post('/tools/shout/chat/completions').send({ messages: [{ role: 'user', content: 'quiet words' }] });
      expect(res.body.choices[0].message.content).toBe('QUIET WORDS');
      const invalid = await request(shim.url).post('/tools/shout/chat/completions').send({ messages: [{ role: 'user', content: '{"text": 5}' }] });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.message).toContain('"text" must be string');
    } finally {
      await shim.close();
      await upstream.close();
    }
  });
});
