import request from 'supertest';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { VERSION } from '../../src/version.js';
import { sample } from '../helpers/prometheus-text.js';
import { stdioTestServer } from '../helpers/shim.js';

const chat = (tool: string, content: string) => ({ model: tool, messages: [{ role: 'user', content }] });

async function startWith(server: Partial<ShimConfig['server']>, mcpServers: ShimConfig['mcpServers']): Promise<RunningShim> {
  return startShim({ server: { host: '127.0.0.1', port: 0, ...server }, mcpServers }, { host: '127.0.0.1', port: 0 });
}

describe('GET /metrics', () => {
  let shim: RunningShim;
  beforeAll(async () => {
    shim = await startWith({}, {
      db: stdioTestServer({ timeoutSeconds: 0.3, maxConcurrentCalls: 1, maxQueuedCalls: 0 }),
    });
  });
  afterAll(() => shim.close());

  test('counts each call by tool, upstream and outcome, with its duration, and each request by route template', async () => {
    const post = (tool: string, content: string, path = '/v1/chat/completions') => request(shim.url).post(path).send(chat(tool, content));
    expect((await post('echo', '{"message": "a"}')).status).toBe(200);
    expect((await post('echo', '{"message": "b"}', '/tools/echo/chat/completions')).status).toBe(200);
    expect((await post('fail', '{}')).headers['x-mcp-tool-error']).toBe('true');
    expect((await post('echo', '{"wrong": 1}')).status).toBe(400);
    expect((await post('slow', '{"ms": 2000}')).status).toBe(424);
    // One slot, no queue: the second of two concurrent calls is refused before it is sent.
    const [first, second] = await Promise.all([post('slow', '{"ms": 100}'), post('slow', '{"ms": 100}')]);
    expect([first.status, second.status].sort()).toEqual([200, 429]);

    const text = (await request(shim.url).get('/metrics')).text;
    const calls = (tool: string, outcome: string) => sample(text, 'mcp_shim_tool_calls_total', { tool, upstream: 'db', outcome });
    expect(calls('echo', 'success')).toBe(2);
    expect(calls('echo', 'rejected')).toBe(1);
    expect(calls('fail', 'tool_error')).toBe(1);
    expect(calls('slow', 'timeout')).toBe(1);
    expect(calls('slow', 'success')).toBe(1);
    expect(calls('slow', 'busy')).toBe(1);
    // Rejected arguments never reach the upstream, so they have no duration.
    expect(sample(text, 'mcp_shim_tool_call_duration_seconds_count', { tool: 'echo', upstream: 'db' })).toBe(2);
    // slow: refused at once (busy), ran about 100 ms, timed out at 300 ms.
    expect(sample(text, 'mcp_shim_tool_call_duration_seconds_bucket', { tool: 'slow', upstream: 'db', le: '0.05' })).toBe(1);
    expect(sample(text, 'mcp_shim_tool_call_duration_seconds_bucket', { tool: 'slow', upstream: 'db', le: '0.25' })).toBe(2);
    expect(sample(text, 'mcp_shim_tool_call_duration_seconds_bucket', { tool: 'slow', upstream: 'db', le: '300' })).toBe(3);
    expect(sample(text, 'mcp_shim_in_flight_calls', { upstream: 'db' })).toBe(0);
    expect(sample(text, 'mcp_shim_upstream_up', { upstream: 'db', kind: 'stdio' })).toBe(1);
    expect(sample(text, 'mcp_shim_http_requests_total', { route: '/v1/chat/completions', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'mcp_shim_http_requests_total', { route: '/tools/:name/chat/completions', status: '200' })).toBe(1);
    expect(sample(text, 'mcp_shim_build_info', { version: VERSION })).toBe(1);
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  test('names that do not exist create no series: unknown tools and paths', async () => {
    const fuzzed = ['no_such_tool', 'echo\u0000', '"}\nmcp_shim_x 1', '../../etc/passwd'];
    for (const name of fuzzed) {
      expect((await request(shim.url).post('/v1/chat/completions').send(chat(name, '{}'))).status).toBe(404);
      await request(shim.url).post(`/tools/${encodeURIComponent(name)}/chat/completions`).send(chat(name, '{}'));
      await request(shim.url).get(`/${encodeURIComponent(name)}`);
    }
    const text = (await request(shim.url).get('/metrics')).text;
    for (const name of fuzzed) expect(text).not.toContain(name);
    const tools = new Set([...text.matchAll(/tool="([^"]*)"/g)].map((m) => m[1]));
    expect([...tools].every((tool) => shim.registry.get(tool!) !== undefined)).toBe(true);
    expect(sample(text, 'mcp_shim_http_requests_total', { route: 'unmatched', status: '404' })).toBe(fuzzed.length);
  });
});

describe('/metrics access', () => {
  test('behind the API keys; a key limited to some tools gets a 403; metrics: false turns it off', async () => {
    const keyed = await startWith({ apiKeys: ['full-key', { key: 'echo-only', tools: ['echo'] }] }, { db: stdioTestServer() });
    try {
      expect((await request(keyed.url).get('/metrics')).status).toBe(401);
      const limited = await request(keyed.url).get('/metrics').set('authorization', 'Bearer echo-only');
      expect(limited.status).toBe(403);
      expect(limited.body.error.code).toBe('metrics_forbidden');
      const full = await request(keyed.url).get('/metrics').set('authorization', 'Bearer full-key');
      expect(full.status).toBe(200);
      expect(full.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    } finally {
      await keyed.close();
    }
    const off = await startWith({ metrics: false }, { db: stdioTestServer() });
    try {
      expect((await request(off.url).get('/metrics')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
