import { connect } from 'node:net';
import OpenAI from 'openai';
import request from 'supertest';
import type { RunningShim } from '../../src/server.js';
import { startRestAdapter, type RestAdapter } from '../fixtures/rest-adapter.js';
import { exampleBody, expectOpenAIError } from '../helpers/openai-error.js';
import { clientForTool, eventually, startShimOverAdapter, startTestShim, stdioTestServer, type ShimOverAdapter } from '../helpers/shim.js';

const user = (content: string) => ({ messages: [{ role: 'user', content }] });

describe('bad input gets a clear 4xx in OpenAI shape and runs nothing', () => {
  let adapter: RestAdapter;
  let shim: RunningShim;

  let pair: ShimOverAdapter;

  beforeAll(async () => {
    pair = await startShimOverAdapter();
    ({ adapter, shim } = pair);
  });
  afterAll(() => pair.close());
  afterEach(() => {
    expect(adapter.received).toEqual([]);
  });

  test('a malformed JSON body', async () => {
    const res = await request(shim.url).post('/tools/echo/chat/completions').set('content-type', 'application/json').send('{"messages": [');
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.body, 'invalid_json').message).toMatch(/not valid JSON/);
  });

  test('a body that is not an object, or has no messages', async () => {
    const array = await request(shim.url).post('/tools/echo/chat/completions').send([1, 2]);
    expect(array.status).toBe(400);
    expectOpenAIError(array.body, 'invalid_body');
    const empty = await request(shim.url).post('/tools/echo/chat/completions').send({ messages: [] });
    expect(expectOpenAIError(empty.body, 'invalid_messages').param).toBe('messages');
  });

  test('no user message', async () => {
    const res = await request(shim.url)
      .post('/tools/echo/chat/completions')
      .send({ messages: [{ role: 'system', content: 'be nice' }, { role: 'assistant', content: 'hi' }] });
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.body, 'no_user_message').message).toContain('role "user"');
  });

  test('arguments the tool does not take: what was wrong, the tool, its parameters, a body that works', async () => {
    const res = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(user('SELECT datname FROM pg_database'));
    expect(res.status).toBe(400);
    const error = expectOpenAIError(res.body, 'invalid_arguments');
    expect(error.param).toBe('messages');
    expect(error.message).toContain('Invalid arguments for tool "pg_execute_query": the user message is plain text');
    expect(error.message).toContain('Tool: Execute a read-only SQL query');
    expect(error.message).toContain('- operation (string, required): Kind of query One of "select", "count", "exists".');
    expect(error.message).toContain('- query (string, required): The SQL to run');
    expect(error.message).toContain('- limit (integer, optional)');
    const example = JSON.parse(exampleBody(error.message));
    expect(example.model).toBe('pg_execute_query');
    expect(adapter.received).toEqual([]);
    // The example is a body that works.
    const retry = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(example);
    expect(retry.status).toBe(200);
    expect(adapter.received).toHaveLength(1);
    adapter.received.length = 0;
  });

  test('missing and mistyped parameters are named', async () => {
    const res = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(user('{"operation": "select", "limit": "ten"}'));
    const { message } = expectOpenAIError(res.body, 'invalid_arguments');
    expect(message).toContain('missing required parameter "query"');
    expect(message).toContain('"limit" must be integer');
  });

  test('JSON that does not parse', async () => {
    const res = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(user('{"operation": select}'));
    expect(expectOpenAIError(res.body, 'invalid_arguments').message).toContain('looks like JSON but does not parse');
  });

  test('an unknown tool is a 404 model_not_found naming the closest tools', async () => {
    const res = await request(shim.url).post('/tools/pg_execute_querry/chat/completions').send(user('{}'));
    expect(res.status).toBe(404);
    const error = expectOpenAIError(res.body, 'model_not_found');
    expect(error.message).toContain('"pg_execute_querry" does not exist. Did you mean "pg_execute_query"?');
    const byModel = await request(shim.url).post('/v1/chat/completions').send({ model: 'openai/ehco', ...user('x') });
    expect(expectOpenAIError(byModel.body, 'model_not_found').message).toContain('"echo"');
    const openai = new OpenAI({ baseURL: `${shim.url}/tools/nope`, apiKey: 'x', maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: '' }] })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  test('no model on the plain route', async () => {
    const res = await request(shim.url).post('/v1/chat/completions').send(user('x'));
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.body, 'missing_model').param).toBe('model');
  });

  test('an unknown route answers in OpenAI shape, not an HTML page', async () => {
    const res = await request(shim.url).post('/v2/chat').send(user('x'));
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(expectOpenAIError(res.body, 'unknown_route').message).toContain('POST /v2/chat');
  });

  test('a body over the size limit is a 413', async () => {
    const res = await request(shim.url).post('/tools/echo/chat/completions').send(user('x'.repeat(2 * 1024 * 1024)));
    expect(res.status).toBe(413);
    expectOpenAIError(res.body, 'request_too_large');
  });

  // Found by the fuzz suite (npm run test:fuzz): both were a 500 internal_error.
  test('a path whose %-escapes do not decode, and a body that does not decompress, are 400s', async () => {
    const badEscape = await request(shim.url).post('/tools/%E0%A4%A/chat/completions').send(user('hi'));
    expect(badEscape.status).toBe(400);
    expectOpenAIError(badEscape.body, 'invalid_path');
    const model = await request(shim.url).get('/v1/models/%ZZ');
    expect(model.status).toBe(400);
    const notGzip = await request(shim.url).post('/tools/echo/chat/completions').set('content-encoding', 'gzip').set('content-type', 'application/json').send('{"messages": []}');
    expect(notGzip.status).toBe(400);
    expect(expectOpenAIError(notGzip.body, 'invalid_body').message).toBe('The request cannot be read (HTTP 400).');
  });

  // Found by the fuzz suite: Node's HTTP parser answered these with a bare 400 and no body.
  test('a request the HTTP parser refuses (raw non-ASCII path, 20 KB of headers) still gets OpenAI JSON', async () => {
    const raw = (head: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const { hostname, port } = new URL(shim.url);
        const socket = connect(Number(port), hostname, () => socket.end(head));
        let answer = '';
        socket.on('data', (data) => (answer += data.toString('latin1')));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const nonAscii = await raw(Buffer.concat([Buffer.from('POST /tools/'), Buffer.from([0xe9]), Buffer.from('cho/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')]));
    expect(nonAscii.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expectOpenAIError(JSON.parse(nonAscii.split('\r\n\r\n')[1]!), 'invalid_http_request');
    const huge = await raw(Buffer.from(`GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    expect(huge.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expectOpenAIError(JSON.parse(huge.split('\r\n\r\n')[1]!), 'invalid_http_request');
  });
});

describe('upstream faults get clear errors naming the upstream, and recovery', () => {
  test('a REST upstream that is down is a 503 with Retry-After naming it, without its address; health says degraded', async () => {
    const adapter = await startRestAdapter();
    const url = `http://user:secret@${adapter.url.slice('http://'.length)}`;
    const shim = await startTestShim({ adapter: { type: 'rest', url } });
    try {
      await adapter.close();
      const res = await request(shim.url).post('/tools/echo/chat/completions').send(user('anyone?'));
      expect(res.status).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(res.headers['x-should-retry']).toBeUndefined();
      const error = expectOpenAIError(res.body, 'upstream_unavailable');
      expect(error.message).toBe('upstream "adapter" is not reachable: ECONNREFUSED');
      expect(JSON.stringify(res.body)).not.toContain('secret');
      const health = await request(shim.url).get('/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.upstreams.adapter).toMatchObject({ state: 'down', lastError: 'ECONNREFUSED' });
    } finally {
      await shim.close();
    }
  });

  test('a REST upstream failing with 5xx: 424 for a tool that may change data, 502 for a read-only one; a 400 from it is a 400', async () => {
    const { adapter, shim, close } = await startShimOverAdapter();
    try {
      adapter.failWith(500);
      const res = await request(shim.url).post('/tools/echo/chat/completions').send(user('x'));
      expect(res.status).toBe(424);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(expectOpenAIError(res.body, 'upstream_failed').message).toBe(
        'upstream "adapter" failed (HTTP 500): adapter failure 500. Not retried: the tool may have run and is not marked read-only or idempotent.',
      );
      // The official client does not retry it, even with retries enabled: one call reaches the upstream.
      adapter.received.length = 0;
      const openai = new OpenAI({ baseURL: `${shim.url}/tools/echo`, apiKey: 'x', maxRetries: 2 });
      await expect(openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'once' }] })).rejects.toMatchObject({ status: 424 });
      expect(adapter.received).toHaveLength(1);
      // pg_execute_query is annotated read-only: a repeat is harmless, so it stays a 502.
      const readOnly = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(user('{"operation": "select", "query": "SELECT 1"}'));
      expect(readOnly.status).toBe(502);
      expect(expectOpenAIError(readOnly.body, 'upstream_failed').message).toBe('upstream "adapter" failed (HTTP 500): adapter failure 500');
      adapter.failWith(422);
      const rejected = await request(shim.url).post('/tools/echo/chat/completions').send(user('x'));
      expect(rejected.status).toBe(400);
      expectOpenAIError(rejected.body, 'upstream_rejected');
    } finally {
      await close();
    }
  });

  describe('a slow stdio tool past its timeout', () => {
    let shim: RunningShim;
    beforeAll(async () => {
      shim = await startTestShim({ db: stdioTestServer({ timeoutSeconds: 0.3 }) }, 50);
    });
    afterAll(() => shim.close());

    test('is an upstream_timeout naming the upstream, with a status nobody retries (the tool may change data)', async () => {
      const res = await request(shim.url).post('/tools/slow/chat/completions').send(user('{"ms": 2000}'));
      expect(res.status).toBe(424);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(expectOpenAIError(res.body, 'upstream_timeout').message).toMatch(/^upstream "db" did not answer within 0.3 s\. Not retried/);
    });

    test('after streaming started, arrives as a final error event and [DONE]', async () => {
      const res = await request(shim.url).post('/tools/slow/chat/completions').send({ ...user('{"ms": 2000}'), stream: true });
      expect(res.status).toBe(200);
      const events = res.text.split('\n\n').filter(Boolean);
      expect(events[0]).toBe(': keep-alive');
      expect(events.at(-1)).toBe('data: [DONE]');
      const error = JSON.parse(events.at(-2)!.replace(/^data: /, ''));
      expectOpenAIError(error, 'upstream_timeout');
      // …which the openai client raises.
      const stream = await clientForTool(shim, 'slow').chat.completions.create({
        model: 'slow',
        messages: [{ role: 'user', content: '{"ms": 2000}' }],
        stream: true,
      });
      await expect(
        (async () => {
          for await (const chunk of stream) void chunk;
        })(),
      ).rejects.toThrow(/did not answer within 0.3 s/);
    });

    test('a fast call on the same upstream still answers after the timeouts', async () => {
      const res = await request(shim.url).post('/tools/slow/chat/completions').send(user('{"ms": 1}'));
      expect(res.body.choices[0].message.content).toBe('slept 1 ms');
    });
  });

  test('a stdio server that dies mid-call is an error saying the call may have run; it is restarted', async () => {
    const shim = await startTestShim({ db: stdioTestServer() });
    try {
      const pid = (await request(shim.url).post('/tools/pid/chat/completions').send(user(''))).body.choices[0].message.content;
      const res = await request(shim.url).post('/tools/crash/chat/completions').send(user(''));
      expect(res.status).toBe(424);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(expectOpenAIError(res.body, 'upstream_failed').message).toMatch(
        /^upstream "db" closed the connection during the call; the tool may have run\. Not retried/,
      );
      // Right after the crash a call fails fast with a clear message; nothing hangs.
      const during = await request(shim.url).post('/tools/pid/chat/completions').send(user(''));
      if (during.status !== 200) {
        expect(during.status).toBe(503);
        expect(during.headers['retry-after']).toBeDefined();
        expect(expectOpenAIError(during.body, 'upstream_unavailable').message).toBe('upstream "db" is reconnecting; the call was not sent');
      }
      await eventually(async () => (await request(shim.url).get('/health')).body.upstreams.db.state === 'ready');
      const health = await request(shim.url).get('/health');
      expect(health.body.upstreams.db.restarts).toBe(1);
      const after = await request(shim.url).post('/tools/pid/chat/completions').send(user(''));
      expect(after.status).toBe(200);
      expect(after.body.choices[0].message.content).not.toBe(pid);
    } finally {
      await shim.close();
    }
  });

  test('a stdio command that does not exist leaves the shim serving, degraded, naming the upstream', async () => {
    const shim = await startTestShim({ db: stdioTestServer(), ghost: { command: '/nonexistent/mcp-server' } });
    try {
      const health = await request(shim.url).get('/health');
      expect(health.body.status).toBe('degraded');
      expect(health.body.upstreams.ghost.state).toBe('down');
      expect(health.body.upstreams.ghost.lastError).toContain('could not start "/nonexistent/mcp-server"');
      const res = await request(shim.url).post('/tools/echo/chat/completions').send(user('still here'));
      expect(res.body.choices[0].message.content).toBe('echo: still here');
    } finally {
      await shim.close();
    }
  });
});
