import request from 'supertest';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startRestAdapter, type RestAdapter } from '../fixtures/rest-adapter.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { stdioTestServer } from '../helpers/shim.js';

const chat = (content: string) => ({ messages: [{ role: 'user', content }] });

function start(config: Omit<ShimConfig, 'server'>): Promise<RunningShim> {
  return startShim({ server: { host: '127.0.0.1', port: 0 }, ...config }, { host: '127.0.0.1', port: 0 });
}

describe('argument policy: pinned and hidden parameters', () => {
  let adapter: RestAdapter;
  let shim: RunningShim;
  beforeAll(async () => {
    adapter = await startRestAdapter();
    shim = await start({
      mcpServers: { db: { type: 'rest', url: adapter.url } },
      tools: {
        pg_execute_query: { pin: { operation: 'select' }, hide: ['limit'] },
        'pg_*': { pin: { operation: 'count' } },
        'e*': { hide: ['message'] },
        echo: {},
      },
    });
  });
  afterAll(async () => {
    await shim.close();
    await adapter.close();
  });
  beforeEach(() => {
    adapter.received.length = 0;
  });

  test('pinned and hidden parameters vanish from the schema callers see', async () => {
    const tools = (await request(shim.url).get('/tools')).body.tools as { name: string; inputSchema: { properties: object; required: string[] } }[];
    const query = tools.find((tool) => tool.name === 'pg_execute_query')!;
    expect(Object.keys(query.inputSchema.properties)).toEqual(['query']);
    expect(query.inputSchema.required).toEqual(['query']);
  });

  test('the pinned value is sent; plain text now fills the one parameter left', async () => {
    const res = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(chat('SELECT 1'));
    expect(res.status).toBe(200);
    expect(adapter.received).toEqual([{ tool: 'pg_execute_query', body: { arguments: { query: 'SELECT 1', operation: 'select' } }, headers: expect.any(Object) }]);
  });

  test('a request can never set a pinned or hidden parameter', async () => {
    for (const args of [{ query: 'SELECT 1', operation: 'delete' }, { query: 'SELECT 1', limit: 1 }]) {
      const res = await request(shim.url).post('/tools/pg_execute_query/chat/completions').send(chat(JSON.stringify(args)));
      expect(res.status).toBe(400);
      expect(expectOpenAIError(res.body, 'invalid_arguments').message).toMatch(/cannot be set by callers/);
      const raw = await request(shim.url).post('/tools/pg_execute_query').send({ arguments: args });
      expect(raw.status).toBe(400);
    }
    expect(adapter.received).toEqual([]);
  });

  test('an exact name wins over a glob', async () => {
    const res = await request(shim.url).post('/tools/echo/chat/completions').send(chat('kept'));
    expect(res.body.choices[0].message.content).toBe('echo: kept');
  });

  test('__proto__ and constructor in arguments pollute nothing', async () => {
    const res = await request(shim.url)
      .post('/tools/pg_execute_query/chat/completions')
      .send(chat('{"query": "SELECT 1", "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'));
    expect([200, 400]).toContain(res.status);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('readOnly servers, per-tool timeouts, concurrency limits, body size', () => {
  test('readOnly exposes only tools annotated read-only, or named in tools.include', async () => {
    const shim = await start({
      mcpServers: {
        ro: stdioTestServer({ readOnly: true }),
        listed: stdioTestServer({ readOnly: true, prefix: 'l_', tools: { include: ['echo', 'pg_*', 'slow'] } }),
      },
    });
    try {
      const ids = (await request(shim.url).get('/v1/models')).body.data.map((m: { id: string }) => m.id);
      expect(ids).toEqual(['l_echo', 'l_pg_execute_query', 'l_slow', 'pg_execute_query']);
    } finally {
      await shim.close();
    }
  });

  test('a server with enabled: false is not started and has no tools', async () => {
    const shim = await start({ mcpServers: { on: stdioTestServer({ prefix: 'on_' }), off: stdioTestServer({ prefix: 'off_', enabled: false }) } });
    try {
      const ids = (await request(shim.url).get('/v1/models')).body.data.map((m: { id: string }) => m.id);
      expect(ids.every((id: string) => id.startsWith('on_'))).toBe(true);
      expect(Object.keys((await request(shim.url).get('/health')).body.upstreams)).toEqual(['on']);
    } finally {
      await shim.close();
    }
  });

  test('a per-tool timeoutSeconds overrides the server’s', async () => {
    const shim = await start({ mcpServers: { db: stdioTestServer() }, tools: { slow: { timeoutSeconds: 0.2 } } });
    try {
      const res = await request(shim.url).post('/tools/slow/chat/completions').send(chat('{"ms": 1500}'));
      expect(res.status).toBe(424);
      expect(expectOpenAIError(res.body, 'upstream_timeout').message).toMatch(/did not answer within 0.2 s/);
    } finally {
      await shim.close();
    }
  });

  test('calls beyond maxConcurrentCalls wait; beyond maxQueuedCalls they get a 429 with Retry-After, and nothing runs', async () => {
    const adapter = await startRestAdapter();
    const shim = await start({ mcpServers: { db: { type: 'rest', url: adapter.url, maxConcurrentCalls: 1, maxQueuedCalls: 1 } } });
    try {
      // .then() sends at once; a supertest request is lazy until then.
      const call = () => request(shim.url).post('/tools/slow/chat/completions').send(chat('{"ms": 400}')).then((res) => res);
      const first = call();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = call();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const third = await call();
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBe('1');
      expect(expectOpenAIError(third.body, 'upstream_busy').message).toBe('upstream "db" is busy (1 calls running, 1 waiting); the call was not sent');
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect(adapter.received).toHaveLength(2);
    } finally {
      await shim.close();
      await adapter.close();
    }
  });

  test('server.maxBodyBytes sets the 413 limit', async () => {
    const shim = await startShim(
      { server: { host: '127.0.0.1', port: 0, maxBodyBytes: 2048 }, mcpServers: { db: stdioTestServer() } },
      { host: '127.0.0.1', port: 0 },
    );
    try {
      const res = await request(shim.url).post('/tools/echo/chat/completions').send(chat('x'.repeat(4096)));
      expect(res.status).toBe(413);
      expect((await request(shim.url).post('/tools/echo/chat/completions').send(chat('small'))).status).toBe(200);
    } finally {
      await shim.close();
    }
  });
});
