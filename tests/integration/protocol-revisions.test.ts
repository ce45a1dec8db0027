import { Client as OlderClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as OlderStdioTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as OlderHttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import request from 'supertest';
import type { ServerConfig } from '../../src/config/types.js';
import type { RunningShim } from '../../src/server.js';
import type { CallToolResult } from '../../src/upstreams/types.js';
import { createUpstream } from '../../src/upstreams/index.js';
import { MODERN_SERVER, STRICT_START_SERVER, modernStdioEntry, newRecord, startModernHttp, type ModernHttpServer, type ToolRecord } from '../fixtures/modern-server.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { ask, askStreaming, eventually, health, modelIds, startTestShim } from '../helpers/shim.js';

const call = (shim: RunningShim, tool: string, content: string) => request(shim.url).post(`/tools/${tool}/chat/completions`).send({ messages: [{ role: 'user', content }] });

describe('the modern test server refuses clients of the older revisions', () => {
  test('over stdio: the 1.x SDK client gets "unsupported protocol version"', async () => {
    const client = new OlderClient({ name: 'older', version: '1.0.0' });
    const transport = new OlderStdioTransport({ command: process.execPath, args: [MODERN_SERVER, 'stdio'], stderr: 'ignore' });
    try {
      await expect(client.connect(transport)).rejects.toThrow(/-32022|[Uu]nsupported protocol version/);
    } finally {
      await client.close();
    }
  });

  test('over streamable HTTP: the 1.x SDK client is refused', async () => {
    const server = await startModernHttp(newRecord());
    const client = new OlderClient({ name: 'older', version: '1.0.0' });
    try {
      await expect(client.connect(new OlderHttpTransport(new URL(server.url)))).rejects.toThrow(/-32022|[Uu]nsupported protocol version|HTTP 400/);
    } finally {
      await client.close();
      await server.close();
    }
  });
});

describe.each(['stdio', 'streamable-http'] as const)('a server that speaks only 2026-07-28, over %s', (kind) => {
  let record: ToolRecord;
  let server: ModernHttpServer | undefined;
  let shim: RunningShim;
  let entry: ServerConfig;

  beforeAll(async () => {
    record = newRecord();
    if (kind === 'streamable-http') server = await startModernHttp(record);
    entry = server ? { type: 'streamable-http', url: server.url } : modernStdioEntry(record);
    const of = (extra: object) => ({ ...entry, ...extra }) as ServerConfig;
    shim = await startTestShim({
      modern: entry,
      small: of({ prefix: 's_', maxResultBytes: 64, tools: { include: ['big'] } }),
      tight: of({ prefix: 't_', maxMessageBytes: 4096, tools: { include: ['big'] } }),
    });
  });
  afterAll(async () => {
    await shim.close();
    await server?.close();
  });

  test('its tools are listed and answer, a structured result included', async () => {
    expect(await modelIds(shim)).toEqual(expect.arrayContaining(['echo', 'progress', 'wait', 'add', 'meta', 'grow', 's_big', 't_big']));
    expect((await health(shim)).upstreams.modern).toMatchObject({ kind, state: 'ready', restarts: 0 });
    expect(await ask(shim, 'echo', 'hello')).toBe('modern: hello');
    expect(await ask(shim, 'add', '{"a": 2, "b": 3}')).toMatch(/\b5\b/);
    // Over HTTP the server refuses this call unless the argument also comes as a header (x-mcp-header).
    expect(await ask(shim, 'region', '{"region": "eu-west"}')).toBe('region: eu-west');
  });

  test('progress streams as reasoning_content', async () => {
    const { text, reasoning } = await askStreaming(shim, 'progress', '{"steps": 3, "ms": 100}');
    expect(text).toBe('modern: 3 steps done');
    expect(reasoning).toEqual(['[1/3] step 1\n', '[2/3] step 2\n', '[3/3] step 3\n']);
  });

  test('a client that goes away cancels the call on the server', async () => {
    const controller = new AbortController();
    const pending = fetch(`${shim.url}/tools/wait/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: '' }] }),
      signal: controller.signal,
    });
    await eventually(() => record.lines().includes('started wait'));
    controller.abort();
    await expect(pending).rejects.toThrow();
    await eventually(() => record.lines().includes('cancelled wait'));
  });

  test('a tool added at run time (list_changed, on a subscription) appears as a model without a restart', async () => {
    expect(await modelIds(shim)).not.toContain('late-tool');
    expect(await ask(shim, 'grow', '')).toBe('grown');
    await eventually(async () => (await modelIds(shim)).includes('late-tool'));
    expect(await ask(shim, 'late-tool', '')).toBe('late-tool is here');
  });

  test('a result over maxResultBytes is cut with a note; one over maxMessageBytes fails that call alone', async () => {
    expect(await ask(shim, 's_big', '{"bytes": 1000}')).toBe(`${'é'.repeat(32)}\n\n[… result truncated to 64 of its 1000 bytes (maxResultBytes)]`);
    const res = await call(shim, 't_big', '{"bytes": 10000}');
    expect(res.status).toBe(424);
    expect(expectOpenAIError(res.body, 'result_too_large').message).toMatch(/^upstream "tight" answered tool "big" with a message of \d+ bytes, over its limit of 4096 bytes/);
    expect(await ask(shim, 't_big', '{"bytes": 100}')).toBe('é'.repeat(50));
  });

  test('trace context goes in params._meta', async () => {
    const upstream = createUpstream('direct', entry);
    try {
      await upstream.listTools();
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const result = (await upstream.callTool('meta', {}, { timeoutMs: 5000, traceContext: { traceparent, tracestate: 'shim=1' } })) as CallToolResult;
      const meta = JSON.parse((result.content[0] as { text: string }).text) as Record<string, unknown>;
      expect(meta).toMatchObject({ traceparent, tracestate: 'shim=1' });
    } finally {
      await upstream.close();
    }
  });

  test('a tool that asks for input is asked of the person, and has not run before the answer', async () => {
    const res = await call(shim, 'confirm', '');
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toContain('**confirm asks:** Are you sure?');
    expect(record.lines()).toContain('asked confirm');
    expect(record.lines()).not.toContain('ran confirm');
  });
});

describe('a modern server over streamable HTTP, further', () => {
  test('an entry with only a url speaks 2026-07-28 over streamable HTTP, not SSE', async () => {
    const server = await startModernHttp(newRecord());
    const shim = await startTestShim({ remote: { url: server.url } });
    try {
      expect((await health(shim)).upstreams.remote).toMatchObject({ kind: 'streamable-http', state: 'ready' });
      expect(await ask(shim, 'echo', 'guessed')).toBe('modern: guessed');
    } finally {
      await shim.close();
      await server.close();
    }
  });

  test("a tool list's ttlMs is honoured: a tool added without list_changed appears once it has passed", async () => {
    const server = await startModernHttp(newRecord(), { env: { TOOLS_TTL_MS: '1000' } });
    const shim = await startTestShim({ remote: { url: server.url } });
    try {
      expect(await ask(shim, 'grow_quietly', '')).toBe('grown quietly');
      await eventually(async () => (await modelIds(shim)).includes('quiet-tool'));
      expect(await ask(shim, 'quiet-tool', '')).toBe('quiet-tool is here');
    } finally {
      await shim.close();
      await server.close();
    }
  });

  test('while down, calls are a 503; after a restart on the same port the next call works', async () => {
    const record = newRecord();
    let server = await startModernHttp(record);
    const shim = await startTestShim({ remote: { type: 'streamable-http', url: server.url } });
    try {
      expect(await ask(shim, 'echo', 'first')).toBe('modern: first');
      await server.close();
      const down = await call(shim, 'echo', 'lost?');
      expect(down.status).toBe(503);
      expect(expectOpenAIError(down.body, 'upstream_unavailable').message).toMatch(/^upstream "remote" (is reconnecting|is not reachable)/);
      await eventually(async () => (await health(shim)).upstreams.remote.state !== 'ready');
      server = await startModernHttp(record, { port: server.port });
      await eventually(async () => (await health(shim)).upstreams.remote.state === 'ready', 15_000);
      expect(await ask(shim, 'echo', 'back')).toBe('modern: back');
    } finally {
      await shim.close();
      await server.close();
    }
  });
});

test.each(['stdio', 'streamable-http'] as const)('%s: a tool the SDK rejects is skipped; the rest of the list is served', async (kind) => {
  const env = { ODD_TOOL: '1' };
  const server = kind === 'streamable-http' ? await startModernHttp(newRecord(), { env }) : undefined;
  const shim = await startTestShim({ modern: server ? { url: server.url } : modernStdioEntry(newRecord(), env) });
  try {
    expect(await modelIds(shim)).toEqual(['echo']);
    expect(await ask(shim, 'echo', 'still here')).toBe('modern: still here');
  } finally {
    await shim.close();
    await server?.close();
  }
});

test('a modern stdio child killed between calls is restarted; the next call works', async () => {
  const shim = await startTestShim({ modern: modernStdioEntry(newRecord()) });
  try {
    const pid = Number(await ask(shim, 'pid', ''));
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (await health(shim)).upstreams.modern.restarts === 1 && (await health(shim)).upstreams.modern.state === 'ready');
    expect(Number(await ask(shim, 'pid', ''))).not.toBe(pid);
  } finally {
    await shim.close();
  }
});

test('an older stdio server that exits on the protocol probe is started again for the older handshake, and then only that', async () => {
  const record = newRecord();
  const shim = await startTestShim({ strict: { command: process.execPath, args: [STRICT_START_SERVER], env: { RECORD_FILE: record.file } } });
  try {
    expect(await ask(shim, 'echo', 'hi')).toBe('strict: hi');
    // One start asked, and exited; the next was spoken to with `initialize` at once.
    expect(record.lines()).toEqual(['start', 'start']);
    process.kill(Number(await ask(shim, 'pid', '')), 'SIGKILL');
    await eventually(async () => (await health(shim)).upstreams.strict.restarts === 1 && (await health(shim)).upstreams.strict.state === 'ready');
    expect(await ask(shim, 'echo', 'again')).toBe('strict: again');
    expect(record.lines()).toEqual(['start', 'start', 'start']);
  } finally {
    await shim.close();
  }
});
