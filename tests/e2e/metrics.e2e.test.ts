import OpenAI from 'openai';
import { startShim, type RunningShim } from '../../src/server.js';
import { eventually, stdioTestServer } from '../helpers/shim.js';
import { startPrometheus, type Prometheus } from './prometheus.js';

const KEY = 'sk-metrics-e2e';

describe('a real Prometheus scraping /metrics', () => {
  let shim: RunningShim;
  let prometheus: Prometheus;
  beforeAll(async () => {
    shim = await startShim(
      { server: { host: '127.0.0.1', port: 0, apiKeys: [KEY] }, mcpServers: { db: stdioTestServer() } },
      { host: '127.0.0.1', port: 0 },
    );
    prometheus = await startPrometheus(shim.url, KEY);
  });
  afterAll(async () => {
    await prometheus?.stop();
    await shim?.close();
  });

  test('sees the calls made through the openai client, their latency, and no series for a fuzzed name', async () => {
    const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: KEY, maxRetries: 0 });
    for (let i = 0; i < 5; i += 1) {
      await client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: `{"message": "call ${i}"}` }] });
    }
    await expect(client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: '{"nope": 1}' }] })).rejects.toMatchObject({ status: 400 });
    await expect(client.chat.completions.create({ model: 'echo_fuzz_x9', messages: [{ role: 'user', content: '{}' }] })).rejects.toMatchObject({ status: 404 });

    const value = async (promql: string) => Number((await prometheus.query(promql))[0]?.value[1] ?? NaN);
    // Scraped every second: wait until a scrape after the calls has landed.
    await eventually(async () => (await value('mcp_shim_tool_calls_total{tool="echo",outcome="success"}')) === 5, 20_000);
    expect(await value('mcp_shim_tool_calls_total{tool="echo",upstream="db",outcome="rejected"}')).toBe(1);
    const median = await value('histogram_quantile(0.5, sum by (le) (mcp_shim_tool_call_duration_seconds_bucket{tool="echo"}))');
    expect(median).toBeGreaterThan(0);
    expect(median).toBeLessThan(1);
    expect(await value('mcp_shim_upstream_up{upstream="db",kind="stdio"}')).toBe(1);
    expect(await value('up')).toBe(1);

    expect(await prometheus.query('{tool=~".*fuzz.*"}')).toEqual([]);
    const tools = (await prometheus.query('group by (tool) ({__name__=~"mcp_shim_.*", tool!=""})')).map((series) => series.metric.tool);
    expect(tools.sort()).toEqual(['echo']);
  });
});
