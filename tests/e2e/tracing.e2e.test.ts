import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import YAML from 'yaml';
import { startRemoteServer, type RemoteServer } from '../fixtures/remote-mcp-server.js';
import { startRestAdapter, type RestAdapter } from '../fixtures/rest-adapter.js';
import { exited, serveProcess, type ServeProcess } from '../helpers/serve-process.js';
import { eventually } from '../helpers/shim.js';
import { startOtlpSink, type OtlpSink, type SinkSpan } from './otlp-sink.js';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

describe('traces to a real OTLP receiver', () => {
  let sink: OtlpSink;
  let remote: RemoteServer;
  let adapter: RestAdapter;
  let shim: ServeProcess;

  beforeAll(async () => {
    [sink, remote, adapter] = await Promise.all([startOtlpSink(), startRemoteServer('streamable-http'), startRestAdapter()]);
    const dir = mkdtempSync(path.join(tmpdir(), 'shim-tracing-'));
    const config = path.join(dir, 'mcp-model-shim.yaml');
    writeFileSync(config, YAML.stringify({ mcpServers: { remote: { url: remote.url }, adapter: { type: 'rest', url: adapter.url } } }));
    shim = await serveProcess(CLI, ['--config', config, '--port', '0'], dir, {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
      OTEL_SERVICE_NAME: 'shim-under-test',
      // Export within a fifth of a second instead of the default five.
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
  });
  afterAll(async () => {
    shim?.child.kill('SIGTERM');
    if (shim) await exited(shim.child);
    await Promise.all([sink?.stop(), remote?.close(), adapter?.close()]);
  });

  const traceparent = () => {
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
  };
  const client = () => new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const spansOf = (traceId: string) => sink.spans.filter((span) => span.traceId === traceId);

  test("an MCP call: a server span under the caller's traceparent, a tools/call client span under it, and its context in params._meta", async () => {
    const caller = traceparent();
    const secret = `do-not-record-${randomBytes(4).toString('hex')}`;
    const completion = await client().chat.completions.create(
      { model: 'meta', messages: [{ role: 'user', content: '{}' }], user: secret },
      { headers: { traceparent: caller.header } },
    );
    await eventually(() => spansOf(caller.traceId).length >= 2, 10_000);
    const server = spansOf(caller.traceId).find((span) => span.kind === 'SPAN_KIND_SERVER')!;
    const call = spansOf(caller.traceId).find((span) => span.kind === 'SPAN_KIND_CLIENT')!;
    expect(server).toMatchObject({ name: 'POST /v1/chat/completions', parentSpanId: caller.spanId });
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/chat/completions', 'http.response.status_code': 200 });
    expect(call).toMatchObject({ name: 'tools/call meta', parentSpanId: server.spanId });
    expect(call.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'meta',
      'network.transport': 'tcp',
      'mcp.session.id': expect.stringMatching(/.+/),
    });
    expect(call.attributes['error.type']).toBeUndefined();

    // The MCP server saw the client span's context: the same trace, the call span as parent.
    const content = completion.choices[0]!.message.content!;
    const meta = JSON.parse(/```json\n([\s\S]*)\n```/.exec(content)?.[1] ?? content) as { traceparent?: string };
    expect(meta.traceparent).toBe(`00-${caller.traceId}-${call.spanId}-01`);
    // Nothing of the request's content is recorded unless server.traceContent says so.
    expect(sink.raw()).not.toContain(secret);
  });

  test('a REST call: the context goes as headers, and a tool error is marked error.type tool_error', async () => {
    const caller = traceparent();
    await client().chat.completions.create({ model: 'fail', messages: [{ role: 'user', content: '{}' }] }, { headers: { traceparent: caller.header } });
    await eventually(() => spansOf(caller.traceId).length >= 2, 10_000);
    const call = spansOf(caller.traceId).find((span) => span.kind === 'SPAN_KIND_CLIENT') as SinkSpan;
    expect(call.name).toBe('tools/call fail');
    expect(call.attributes).toMatchObject({ 'error.type': 'tool_error', 'network.transport': 'tcp' });
    expect(call.status?.code).toBe('STATUS_CODE_ERROR');
    const sent = adapter.received.find((received) => received.tool === 'fail')!;
    expect(sent.headers.traceparent).toBe(`00-${caller.traceId}-${call.spanId}-01`);
  });

  test('without a traceparent a request starts its own trace', async () => {
    const before = sink.spans.length;
    await client().chat.completions.create({ model: 'remote__echo', messages: [{ role: 'user', content: '{"message": "x"}' }] });
    await eventually(() => sink.spans.slice(before).some((span) => span.name === 'tools/call echo'), 10_000);
    const call = sink.spans.slice(before).find((span) => span.name === 'tools/call echo')!;
    const server = sink.spans.find((span) => span.spanId === call.parentSpanId);
    expect(server?.parentSpanId).toBeUndefined();
  });
});
