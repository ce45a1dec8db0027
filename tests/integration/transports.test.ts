import request from 'supertest';
import type { RunningShim } from '../../src/server.js';
import { EVERYTHING, startEverything, type EverythingServer } from '../fixtures/everything.js';
import { startRemoteServer, type RemoteServer } from '../fixtures/remote-mcp-server.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { ask, askStreaming, eventually, health, modelIds, startTestShim, stdioTestServer } from '../helpers/shim.js';

describe('remote MCP servers (the SDK McpServer over streamable HTTP and SSE)', () => {
  let http: RemoteServer;
  let sse: RemoteServer;
  let shim: RunningShim;

  beforeAll(async () => {
    [http, sse] = await Promise.all([startRemoteServer('streamable-http', { name: 'http' }), startRemoteServer('sse', { name: 'sse' })]);
    shim = await startTestShim({
      http: { type: 'streamable-http', url: http.url, headers: { Authorization: 'Bearer t0ken' } },
      sse: { type: 'sse', url: sse.url, timeoutSeconds: 1 },
      guess: { url: sse.url, prefix: 'g_', tools: { include: ['echo'] } },
      small: { url: http.url, prefix: 's_', maxResultBytes: 64, tools: { include: ['big'] } },
    });
  });
  afterAll(async () => {
    await shim.close();
    await Promise.all([http.close(), sse.close()]);
  });

  test('each transport answers end to end through /tools/<name>/chat/completions', async () => {
    expect(await ask(shim, 'http__echo', 'over streamable HTTP')).toBe('http: over streamable HTTP');
    expect(await ask(shim, 'sse__echo', 'over SSE')).toBe('sse: over SSE');
    expect((await askStreaming(shim, 'http__echo', 'streamed')).text).toBe('http: streamed');
    // Configured headers go with every request of that server only.
    expect(http.authorizations).toContain('Bearer t0ken');
    expect(sse.authorizations).not.toContain('Bearer t0ken');
  });

  test('a shared tool name is exposed only qualified; a prefix makes a name unique', async () => {
    const ids = await modelIds(shim);
    expect(ids).toEqual(
      expect.arrayContaining(['http__echo', 'sse__echo', 'http__progress', 'sse__progress', 'g_echo', 's_big']),
    );
    expect(ids).not.toContain('echo');
    expect(ids).not.toContain('g_progress');
    const bare = await request(shim.url).post('/tools/echo/chat/completions').send({ messages: [{ role: 'user', content: 'x' }] });
    expect(bare.status).toBe(404);
    expect(expectOpenAIError(bare.body, 'model_not_found').message).toContain('Did you mean');
    expect(await ask(shim, 'g_echo', 'prefixed')).toBe('sse: prefixed');
    // The qualified name uses the tool's own name, whatever the prefix.
    expect(await ask(shim, 'guess__echo', 'qualified')).toBe('sse: qualified');
  });

  test('an entry with only a url tries streamable HTTP, falls back to SSE; health names the kind', async () => {
    const { upstreams } = await health(shim);
    expect(upstreams.guess).toEqual({ kind: 'sse', state: 'ready', restarts: 0, tools: 1 });
    expect(upstreams.small).toMatchObject({ kind: 'streamable-http', state: 'ready' });
    expect(upstreams.http).toMatchObject({ kind: 'streamable-http', state: 'ready', tools: 5 });
  });

  test('progress reaches the stream as reasoning_content and keeps a call alive past its timeout', async () => {
    // 5 × 300 ms is past sse's 1 s timeout; each progress notification restarts it. (Gaps well
    // below the timeout: with 150 ms against 0.4 s, a loaded CI machine once missed one.)
    const { text, reasoning } = await askStreaming(shim, 'sse__progress', '{"steps": 5, "ms": 300}');
    expect(text).toBe('sse: 5 steps done');
    // The SDK may settle the call before it handles the last notification, which is then dropped.
    expect(reasoning.length).toBeGreaterThanOrEqual(4);
    expect(reasoning).toEqual(['[1/5] step 1\n', '[2/5] step 2\n', '[3/5] step 3\n', '[4/5] step 4\n', '[5/5] step 5\n'].slice(0, reasoning.length));
  });

  test('a result over maxResultBytes is cut with a visible note', async () => {
    const answer = await ask(shim, 's_big', '{"bytes": 1000}');
    expect(answer).toBe(`${'é'.repeat(32)}\n\n[… result truncated to 64 of its 1000 bytes (maxResultBytes)]`);
  });

  test('a client that goes away cancels the call on the server', async () => {
    const controller = new AbortController();
    const call = fetch(`${shim.url}/tools/http__wait/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: '' }] }),
      signal: controller.signal,
    });
    await eventually(() => http.started.includes('wait'));
    controller.abort();
    await expect(call).rejects.toThrow();
    await eventually(() => http.cancelled.includes('wait'));
  });

  test('a tool added at runtime (list_changed) appears as a model without a restart', async () => {
    http.addTool('late-tool');
    // list_changed travels on the session's notification stream; repeat it until it has arrived.
    await eventually(async () => {
      http.notifyToolsChanged();
      return (await modelIds(shim)).includes('late-tool');
    });
    expect(await ask(shim, 'late-tool', '')).toBe('late-tool is here');
  });
});

describe('a remote server that goes away', () => {
  test('shutting down ends the streamable-HTTP session on the server (HTTP DELETE)', async () => {
    const server = await startRemoteServer('streamable-http');
    try {
      const shim = await startTestShim({ remote: { type: 'streamable-http', url: server.url } });
      expect(server.sessionsEnded).toBe(0);
      await shim.close();
      expect(server.sessionsEnded).toBe(1);
    } finally {
      await server.close();
    }
  });

  test.each(['streamable-http', 'sse'] as const)('%s: a forgotten session (HTTP 404) is re-initialised and the call sent again, once', async (kind) => {
    const server = await startRemoteServer(kind);
    const shim = await startTestShim({ remote: { type: kind, url: server.url } });
    try {
      expect(await ask(shim, 'echo', 'before')).toBe('remote: before');
      expect(server.sessionsStarted).toBe(1);
      server.forgetSessions();
      expect(await ask(shim, 'echo', 'after')).toBe('remote: after');
      expect(server.sessionsStarted).toBe(2);
      expect(server.started.filter((tool) => tool === 'echo')).toHaveLength(2);
    } finally {
      await shim.close();
      await server.close();
    }
  });

  test.each(['streamable-http', 'sse'] as const)('%s: while down, calls are a 503 with Retry-After; after a restart the next call works', async (kind) => {
    let server = await startRemoteServer(kind);
    const shim = await startTestShim({ remote: { type: kind, url: server.url } });
    try {
      expect(await ask(shim, 'echo', 'first')).toBe('remote: first');
      await server.close();
      const down = await request(shim.url).post('/tools/echo/chat/completions').send({ messages: [{ role: 'user', content: 'lost?' }] });
      expect(down.status).toBe(503);
      expect(Number(down.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(down.headers['x-should-retry']).toBeUndefined();
      expect(expectOpenAIError(down.body, 'upstream_unavailable').message).toMatch(/^upstream "remote" (is reconnecting|is not reachable)/);
      expect(server.started).toEqual(['echo']);

      await eventually(async () => (await health(shim)).upstreams.remote.state !== 'ready');
      server = await startRemoteServer(kind, { port: server.port });
      await eventually(async () => (await health(shim)).upstreams.remote.state === 'ready', 15_000);
      expect(await ask(shim, 'echo', 'back')).toBe('remote: back');
      expect((await health(shim)).upstreams.remote.restarts).toBeGreaterThanOrEqual(1);
    } finally {
      await shim.close();
      await server.close();
    }
  });

  test.each(['streamable-http', 'sse'] as const)('%s: a server that dies mid-call fails at once, saying the call may have run', async (kind) => {
    const server = await startRemoteServer(kind);
    const shim = await startTestShim({ remote: { type: kind, url: server.url, timeoutSeconds: 20 } });
    try {
      // `then` sends the request now; the answer is awaited after the server is gone.
      const answer = request(shim.url)
        .post('/tools/wait/chat/completions')
        .send({ messages: [{ role: 'user', content: '' }] })
        .then((res) => res);
      await eventually(() => server.started.includes('wait'));
      const closedAt = Date.now();
      await server.close();
      const res = await answer;
      expect(Date.now() - closedAt).toBeLessThan(5_000);
      // Which "may have run" status (502, or 424 for a tool not marked retry-safe) is the error mapping's business.
      expect([502, 424]).toContain(res.status);
      expect(res.headers['x-should-retry']).toBe('false');
      expect(expectOpenAIError(res.body, 'upstream_failed').message).toMatch(
        /^upstream "remote" closed the connection during the call; the tool may have run/,
      );
    } finally {
      await shim.close();
    }
  });

  test('credentials in a url are sent as Basic authorization, not as part of the address', async () => {
    const server = await startRemoteServer('sse');
    const shim = await startTestShim({ remote: { url: server.url.replace('http://', 'http://us%40er:pa%3Ass@') } });
    try {
      expect(await ask(shim, 'echo', 'authorised')).toBe('remote: authorised');
      expect(new Set(server.authorizations)).toEqual(new Set([`Basic ${Buffer.from('us@er:pa:ss').toString('base64')}`]));
    } finally {
      await shim.close();
      await server.close();
    }
  });

  test('a server unreachable from the start leaves the shim serving, degraded, without its address', async () => {
    const server = await startRemoteServer('streamable-http');
    await server.close();
    const url = server.url.replace('http://', 'http://user:s3cret@');
    const shim = await startTestShim({ gone: { url, headers: { Authorization: 'Bearer s3cret' } } });
    try {
      const body = await health(shim);
      expect(body.status).toBe('degraded');
      expect(body.upstreams.gone).toMatchObject({ kind: 'streamable-http', state: 'down', lastError: 'ECONNREFUSED', tools: 0 });
      expect(JSON.stringify(body)).not.toContain('s3cret');
    } finally {
      await shim.close();
    }
  });
});

test('a stdio child killed between calls is restarted; the next call works', async () => {
  const shim = await startTestShim({ db: stdioTestServer() });
  try {
    const pid = Number(await ask(shim, 'pid', ''));
    process.kill(pid, 'SIGKILL');
    await eventually(async () => (await health(shim)).upstreams.db.restarts === 1 && (await health(shim)).upstreams.db.state === 'ready');
    const after = Number(await ask(shim, 'pid', ''));
    expect(after).not.toBe(pid);
    expect((await health(shim)).upstreams.db).toMatchObject({ kind: 'stdio', lastError: 'the server process exited' });
  } finally {
    await shim.close();
  }
});

describe('the "everything" server from npm over stdio, SSE and streamable HTTP at once', () => {
  let servers: EverythingServer[];
  let shim: RunningShim;

  beforeAll(async () => {
    servers = await Promise.all([startEverything('sse'), startEverything('streamableHttp')]);
    const [sse, http] = servers as [EverythingServer, EverythingServer];
    const tools = { include: ['echo', 'get-sum', 'get-tiny-image', 'trigger-long-running-operation'] };
    shim = await startTestShim({
      stdio: { command: process.execPath, args: [EVERYTHING, 'stdio'], tools },
      sse: { type: 'sse', url: sse.url, tools },
      http: { url: http.url, tools },
    });
  });
  afterAll(async () => {
    await shim.close();
    await Promise.all(servers.map((server) => server.close()));
  });

  test('all their tools are served, each under its server', async () => {
    expect(await modelIds(shim)).toHaveLength(12);
    for (const server of ['stdio', 'sse', 'http']) {
      expect(await ask(shim, `${server}__echo`, `hi ${server}`)).toBe(`Echo: hi ${server}`);
    }
    expect(await ask(shim, 'sse__get-sum', '{"a": 2, "b": 3}')).toMatch(/\b5\b/);
    const { upstreams } = await health(shim);
    expect([upstreams.stdio.kind, upstreams.sse.kind, upstreams.http.kind]).toEqual(['stdio', 'sse', 'streamable-http']);
  });

  test('an image result is a Markdown image with a data URI', async () => {
    expect(await ask(shim, 'http__get-tiny-image', '')).toMatch(/!\[image\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\)/);
  });

  test('progress of its long-running operation reaches the stream', async () => {
    const { text, reasoning } = await askStreaming(shim, 'http__trigger-long-running-operation', '{"duration": 0.3, "steps": 3}');
    expect(text).toContain('Long running operation completed');
    expect(reasoning.length).toBeGreaterThanOrEqual(2);
    expect(reasoning).toEqual(['[1/3]\n', '[2/3]\n', '[3/3]\n'].slice(0, reasoning.length));
  });
});
