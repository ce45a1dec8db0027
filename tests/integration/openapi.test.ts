import path from 'node:path';
import request from 'supertest';
import { embeddedConfig } from '../../src/config/embedded.js';
import type { ShimConfig } from '../../src/config/types.js';
import { FUNCTION_NAME } from '../../src/openapi/operation-ids.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startRemoteServer } from '../fixtures/remote-mcp-server.js';
import { DeclaredResponses, validateOpenApi } from '../helpers/openapi.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { eventually, stdioTestServer, startTestShim } from '../helpers/shim.js';

const SCHEMA_SERVER = path.join(__dirname, '../fixtures/schema-mcp-server.mjs');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function start(config: Omit<ShimConfig, 'server'>, server: ShimConfig['server'] = {}): Promise<RunningShim> {
  return startShim({ server: { host: '127.0.0.1', port: 0, ...server }, ...config }, { host: '127.0.0.1', port: 0 });
}

async function documentOf(shim: RunningShim, key?: string): Promise<Json> {
  const res = await request(shim.url).get('/openapi.json').set(key ? { authorization: `Bearer ${key}` } : {});
  expect(res.status).toBe(200);
  expect(res.type).toBe('application/json');
  return res.body as Json;
}

describe('GET /openapi.json and POST /openapi/{tool}', () => {
  let shim: RunningShim;
  let document: Json;
  let declared: DeclaredResponses;
  const call = (tool: string, body?: unknown) => {
    const req = request(shim.url).post(`/openapi/${encodeURIComponent(tool)}`);
    return body === undefined ? req : req.send(body as object);
  };
  /** Calls, and checks the answer against what the document declares for it. */
  const checked = async (tool: string, body?: unknown) => {
    const res = await call(tool, body);
    expect(declared.problems(`/openapi/${encodeURIComponent(tool)}`, res.status, res.body)).toEqual([]);
    return res;
  };

  beforeAll(async () => {
    shim = await start({
      mcpServers: {
        schemas: { command: process.execPath, args: [SCHEMA_SERVER] },
        db: stdioTestServer({ timeoutSeconds: 0.5, maxConcurrentCalls: 1, maxQueuedCalls: 0 }),
        // Two exposed names that map to the same operationId: `db.echo` and `db_echo`.
        dotted: stdioTestServer({ prefix: 'db.', tools: { include: ['echo'] } }),
        underscored: stdioTestServer({ prefix: 'db_', tools: { include: ['echo'] } }),
      },
    }, { maxBodyBytes: 2048 });
    document = await documentOf(shim);
    declared = new DeclaredResponses(document);
  });
  afterAll(() => shim.close());

  test('the document is valid OpenAPI 3.1 for a real validator', async () => {
    expect(await validateOpenApi(document)).toEqual({ valid: true, version: '3.1' });
    expect(declared.invalidSchemas()).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
    // Paths are complete from the shim's root (Open WebUI ignores `servers`).
    expect(document.servers).toBeUndefined();
  });

  test('one POST operation per tool at /openapi/{tool}, each operationId a valid, unique OpenAI function name', async () => {
    const tools = ((await request(shim.url).get('/v1/models')).body.data as { id: string }[]).map((model) => model.id);
    expect(Object.keys(document.paths).sort()).toEqual(tools.map((tool) => `/openapi/${tool}`).sort());
    const ids = (Object.values(document.paths) as Json[]).map((item) => {
      expect(Object.keys(item)).toEqual(['post']);
      return item.post.operationId as string;
    });
    for (const id of ids) expect(id).toMatch(FUNCTION_NAME);
    expect(new Set(ids).size).toBe(ids.length);
    // A valid name is its own id; the dotted one that maps onto it gets a hash.
    expect(document.paths['/openapi/db_echo'].post.operationId).toBe('db_echo');
    expect(document.paths['/openapi/db.echo'].post.operationId).toMatch(/^db_echo_[0-9a-f]{8}$/);
    expect(document.paths['/openapi/files.read'].post.operationId).toBe('files_read');
    // Grouped by MCP server.
    expect(document.tags.map((tag: Json) => tag.name)).toEqual(['db', 'dotted', 'schemas', 'underscored']);
    expect(document.paths['/openapi/files.read'].post.tags).toEqual(['schemas']);
  });

  test("the body schema is the tool's input schema, with its $defs moved into components", () => {
    const echo = document.paths['/openapi/echo'].post;
    expect(echo.summary).toBe('Echoes the message back');
    expect(echo.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: expect.objectContaining({ type: 'object', properties: { message: { type: 'string' } }, required: ['message'] }), example: { message: '<message>' } } },
    });
    const search = document.paths['/openapi/search'].post.requestBody.content['application/json'].schema;
    expect(search.properties.where).toEqual({ $ref: '#/components/schemas/search.Filter' });
    expect(search.$defs).toBeUndefined();
    expect(search.$schema).toBeUndefined();
    expect(document.components.schemas['search.Filter'].properties.any.items).toEqual({ $ref: '#/components/schemas/search.Filter' });
    // A schema that refers to itself is a component the body refers to.
    expect(document.paths['/openapi/tree'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/tree' });
    expect(document.components.schemas.tree.properties.children.items).toEqual({ $ref: '#/components/schemas/tree' });
    expect(document.components.schemas['tree.Size']).toEqual({ type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], items: false });
  });

  test('a tool without parameters has no request body and runs without one; a body of optional parameters is optional', async () => {
    expect(document.paths['/openapi/ping'].post.requestBody).toBeUndefined();
    for (const body of [undefined, {}]) {
      const res = await checked('ping', body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ isError: false, text: '{"tool":"ping","arguments":{}}', data: { tool: 'ping', arguments: {} } });
    }
    expect(document.paths['/openapi/list'].post.requestBody.required).toBe(false);
    expect((await checked('list')).status).toBe(200);
  });

  test("the tool's MCP hints are in its description and in x-mcp-annotations", () => {
    const read = document.paths['/openapi/files.read'].post;
    expect(read.description).toBe('Reads a file. Answers its name back.\n\nMCP hints: read-only.');
    expect(read.summary).toBe('Reads a file.');
    expect(read['x-mcp-annotations']).toEqual({ readOnlyHint: true });
    expect(document.paths['/openapi/drop_table'].post.description).toBe('Drops a table\n\nMCP hints: destructive.');
    // Retry-safe tools may answer 502/504; the others never do (424 instead).
    expect(Object.keys(read.responses)).toEqual(['200', '400', '404', '413', '424', '429', '500', '502', '503', '504']);
    expect(Object.keys(document.paths['/openapi/drop_table'].post.responses)).toEqual(['200', '400', '404', '413', '424', '429', '500', '503']);
  });

  test('the body is the arguments; the answer is JSON with the text, and the JSON it holds as data', async () => {
    const echo = await checked('echo', { message: 'hi' });
    expect(echo.status).toBe(200);
    expect(echo.body).toEqual({ isError: false, text: 'echo: hi' });
    const query = await checked('pg_execute_query', { operation: 'select', query: 'SELECT 1' });
    expect(query.body.data).toEqual({ received: { operation: 'select', query: 'SELECT 1' } });
    const dotted = await checked('db.echo', { message: 'dots' });
    expect(dotted.body.text).toBe('echo: dots');
  });

  test('structuredContent is the data; parts other than text come as content', async () => {
    expect((await checked('add', { a: 2, b: 3 })).body).toEqual({ isError: false, text: '', data: { sum: 5 } });
    const image = await checked('image', {});
    expect(image.body).toEqual({ isError: false, text: 'a pixel:', content: [{ type: 'image', mimeType: 'image/png', data: expect.any(String) }] });
  });

  test("a tool's own error is a 200 whose JSON says so", async () => {
    const res = await checked('fail', {});
    expect(res.status).toBe(200);
    expect(res.headers['x-mcp-tool-error']).toBe('true');
    expect(res.body).toEqual({ isError: true, text: 'the database said no' });
  });

  test('bad input is a 400 in OpenAI shape, naming the body and showing the JSON to send', async () => {
    const invalid = await checked('echo', { text: 'hi' });
    expect(invalid.status).toBe(400);
    const error = expectOpenAIError(invalid.body, 'invalid_arguments');
    expect(error.param).toBe('body');
    expect(error.message).toMatch(/^Invalid arguments for tool "echo": missing required parameter "message"/);
    expect(error.message).toContain('Send this as the request body, with your own values: {"message": "<message>"}');
    expect(error.message).not.toContain('Whole request body');
    expectOpenAIError((await checked('echo', [1])).body, 'invalid_arguments');
    const json = await call('echo').set('content-type', 'application/json').send('{"message": ');
    expect(json.status).toBe(400);
    expect(declared.problems('/openapi/echo', 400, json.body)).toEqual([]);
    const large = await checked('echo', { message: 'x'.repeat(4096) });
    expect(large.status).toBe(413);
  });

  test('an unknown tool is a 404; a call that may have run is a 424 not to retry; a full server a 429', async () => {
    const unknown = await call('nope', {});
    expect(unknown.status).toBe(404);
    expectOpenAIError(unknown.body, 'model_not_found');
    expect(declared.problems('/openapi/echo', 404, unknown.body)).toEqual([]);
    const [slow, busy] = await Promise.all([checked('slow', { ms: 2000 }), checked('slow', { ms: 10 })]);
    expect(slow.status).toBe(424);
    expect(slow.headers['x-should-retry']).toBe('false');
    expectOpenAIError(slow.body, 'upstream_timeout');
    expect(busy.status).toBe(429);
    expect(busy.headers['retry-after']).toBe('1');
  });
});

describe('the OpenAPI document under API keys, and the /docs page', () => {
  let shim: RunningShim;
  beforeAll(async () => {
    shim = await start({ mcpServers: { db: stdioTestServer() } }, {
      apiKeys: [{ name: 'all', key: 'every-tool-key' }, { name: 'echo', key: 'echo-only-key', tools: ['echo'] }],
    });
  });
  afterAll(() => shim.close());

  test('the document needs a key, declares bearer security, and lists only the tools that key may use', async () => {
    const refused = await request(shim.url).get('/openapi.json');
    expect(refused.status).toBe(401);
    expectOpenAIError(refused.body, 'invalid_api_key');
    const all = await documentOf(shim, 'every-tool-key');
    expect(all.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(all.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(all.paths)).toContain('/openapi/pg_execute_query');
    expect(Object.keys(all.paths['/openapi/echo'].post.responses)).toContain('401');
    const echoOnly = await documentOf(shim, 'echo-only-key');
    expect(Object.keys(echoOnly.paths)).toEqual(['/openapi/echo']);
    expect(await validateOpenApi(echoOnly)).toEqual({ valid: true, version: '3.1' });
    // Both keys' documents stay right when asked for again (each is cached by its key's tools).
    expect(Object.keys((await documentOf(shim, 'every-tool-key')).paths).length).toBe(Object.keys(all.paths).length);
    expect(Object.keys((await documentOf(shim, 'echo-only-key')).paths)).toEqual(['/openapi/echo']);
  });

  test('a tool outside the key is a 404, as everywhere', async () => {
    const outside = await request(shim.url).post('/openapi/pg_execute_query').set('authorization', 'Bearer echo-only-key').send({ operation: 'select', query: 'SELECT 1' });
    expect(outside.status).toBe(404);
    expectOpenAIError(outside.body, 'model_not_found');
    const inside = await request(shim.url).post('/openapi/echo').set('authorization', 'Bearer echo-only-key').send({ message: 'mine' });
    expect(inside.body).toEqual({ isError: false, text: 'echo: mine' });
    expect((await request(shim.url).post('/openapi/echo').send({ message: 'mine' })).status).toBe(401);
  });

  test('/docs and its assets load without a key, from the shim itself', async () => {
    const page = await request(shim.url).get('/docs');
    expect(page.status).toBe(200);
    expect(page.type).toBe('text/html');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets).toEqual(['/docs/favicon-32x32.png', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']);
    for (const asset of assets) expect((await request(shim.url).get(asset)).status).toBe(200);
    // Nothing else of the package, and nothing else without a key.
    expect((await request(shim.url).get('/docs/index.html')).status).toBe(401);
  });
});

describe('server.docs: false', () => {
  test('turns the page off; the document and operations stay', async () => {
    const shim = await start({ mcpServers: { db: stdioTestServer() } }, { docs: false });
    try {
      expect((await request(shim.url).get('/docs')).status).toBe(404);
      expect((await request(shim.url).get('/docs/swagger-ui-bundle.js')).status).toBe(404);
      expect((await request(shim.url).get('/openapi.json')).status).toBe(200);
    } finally {
      await shim.close();
    }
  });
});

describe('the document follows the tool list', () => {
  test('the same bytes until the list changes; a tool added at run time is in the next one', async () => {
    const server = await startRemoteServer('streamable-http');
    const shim = await startTestShim({ remote: { type: 'streamable-http', url: server.url } });
    try {
      const first = await request(shim.url).get('/openapi.json');
      expect((await request(shim.url).get('/openapi.json')).text).toBe(first.text);
      expect(first.body.paths['/openapi/late-tool']).toBeUndefined();
      server.addTool('late-tool');
      await eventually(async () => (await request(shim.url).get('/openapi.json')).body.paths['/openapi/late-tool'] !== undefined);
    } finally {
      await shim.close();
      await server.close();
    }
  });
});

describe('documents that validate', () => {
  test.each([
    ['the embedded default', () => startShim(embeddedConfig(), { host: '127.0.0.1', port: 0 }), 6],
    ['1,000 tools with $defs', () => start({ mcpServers: { many: { command: process.execPath, args: [SCHEMA_SERVER, '--tools', '1000'] } } }), 1006],
  ])('%s', async (_name, startIt, tools) => {
    const shim = await startIt();
    try {
      const document = await documentOf(shim);
      expect(Object.keys(document.paths)).toHaveLength(tools);
      expect(await validateOpenApi(document)).toEqual({ valid: true, version: '3.1' });
      // Every schema is JSON Schema 2020-12, the document's dialect, and Ajv compiles every error response.
      const declared = new DeclaredResponses(document);
      expect(declared.invalidSchemas()).toEqual([]);
      for (const path of Object.keys(document.paths)) expect(declared.problems(path, 400, { error: { message: 'm', type: 't', param: null, code: null } })).toEqual([]);
    } finally {
      await shim.close();
    }
  }, 60_000);
});
