import http from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { RunningShim } from '../../src/server.js';
import { startShim } from '../../src/server.js';
import { stdioTestServer } from '../helpers/shim.js';
import { completionShapeProblem, errorShapeProblem, histogram, parseJson, processErrors, report, send, streamShapeProblem, type Answer, type Send } from '../faults/support.js';

/**
 * `npm run test:fuzz`: 10,000 generated requests (bodies, headers, tool names and paths) against
 * a shim in this process, serving the stdio test server behind API keys, through every face
 * (chat, Responses, legacy completions, OpenAPI operations). Whatever arrives, the answer is never a 5xx, always
 * OpenAI's shape (an error object, a chat.completion, response or text_completion, or an event
 * stream of the face's own), and nothing escapes as an unhandled rejection or uncaught exception.
 */

const KEY = 'fuzz-key-0123456789';
const LIMITED_KEY = 'fuzz-limited-key-0123';
/** Tools that end or stall the child are left out: a 503 while it restarts is correct, not a finding. */
const TOOLS = ['echo', 'add', 'pg_execute_query', 'fail', 'image', 'pid', 'db__echo', 'db__add'];

const RUNS = { bodies: 5_000, headers: 2_000, paths: 3_000 };

let shim: RunningShim;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const statuses: number[] = [];
const problems: string[] = [];
let requests = 0;

beforeAll(async () => {
  shim = await startShim(
    {
      server: { host: '127.0.0.1', port: 0, apiKeys: [KEY, { name: 'limited', key: LIMITED_KEY, tools: ['echo', 'pg_*'] }] },
      tools: { pg_execute_query: { pin: { limit: 10 } } },
      mcpServers: { db: stdioTestServer({ timeoutSeconds: 5, tools: { exclude: ['crash', 'slow'] } }) },
    },
    { host: '127.0.0.1', port: 0 },
  );
});
afterAll(async () => {
  agent.destroy();
  await shim.close();
});

// ---- what an answer must look like ---------------------------------------------------------

/** 2xx bodies other than completions: the model routes, the REST adapter's routes, /health. */
function otherSuccessProblem(body: unknown): string | undefined {
  const value = body as Record<string, unknown> | null;
  if (value?.object === 'chat.completion' || value?.object === 'response' || value?.object === 'text_completion') return completionShapeProblem(value);
  if (value?.object === 'model' && typeof value.id === 'string') return undefined;
  if (value?.object === 'list' && Array.isArray(value.data)) return undefined;
  if (Array.isArray(value?.content) || Array.isArray(value?.tools)) return undefined;
  if (value?.status === 'ok' || value?.status === 'degraded') return undefined;
  // The OpenAPI face: its document, and an operation's answer.
  if (value?.openapi === '3.1.0' && typeof value.paths === 'object') return undefined;
  if (typeof value?.isError === 'boolean' && typeof value.text === 'string') return undefined;
  return `unexpected 2xx body: ${JSON.stringify(body).slice(0, 120)}`;
}

function answerProblem(answer: Answer): string | undefined {
  if (answer.status === 0) return `no answer: ${answer.text}`;
  if (answer.status >= 500) return `status ${answer.status}: ${answer.text.slice(0, 300)}`;
  const type = String(answer.headers['content-type'] ?? '');
  if (type.startsWith('text/event-stream')) {
    if (answer.status !== 200) return `event stream with status ${answer.status}`;
    return streamShapeProblem(answer.text);
  }
  if (!type.startsWith('application/json')) return `status ${answer.status} with content-type "${type}": ${answer.text.slice(0, 120)}`;
  const body = parseJson(answer.text);
  if (body === undefined) return `status ${answer.status}: body is not JSON: ${answer.text.slice(0, 120)}`;
  return answer.status >= 400 ? errorShapeProblem(body) : otherSuccessProblem(body);
}

/** `/docs` and its assets (any query string) are the one place a 200 is not JSON: the page, its script, style and icon. */
function isDocsPage(request: Send, answer: Answer): boolean {
  const type = String(answer.headers['content-type'] ?? '');
  return answer.status === 200 && /^\/docs([/?]|$)/i.test(request.path) && /^(text\/html|text\/css|application\/javascript|text\/javascript|image\/png)/.test(type);
}

/** Sends one generated request and records its status; a bad answer fails the property (and is shrunk). */
async function check(request: Send): Promise<void> {
  requests += 1;
  const answer = await send(shim.url, agent, { timeoutMs: 20_000, ...request });
  statuses.push(answer.status);
  const problem = isDocsPage(request, answer) ? undefined : answerProblem(answer);
  if (problem) {
    const body = request.body === undefined ? '' : String(request.body).slice(0, 200);
    problems.push(`${request.method ?? 'POST'} ${request.path.slice(0, 200)} ${JSON.stringify(request.headers)} ${body} → ${problem}`);
    throw new Error(problem);
  }
}

// ---- generators -------------------------------------------------------------------------------

const ascii = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength });
const junk = fc.oneof(fc.anything({ maxDepth: 3 }), fc.jsonValue({ maxDepth: 3 }));

/** Something that could pass for a content part, or not. */
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text: fc.oneof(fc.string(), junk) }),
  fc.record({ type: fc.constantFrom('image_url', 'input_audio', 'file', 'text', ''), image_url: junk }),
  junk,
);

/** Arguments text: JSON objects for the real tools, fenced blocks, plain text, prototype keys. */
const argumentText = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.record({ message: fc.string() }).map((value) => JSON.stringify(value)),
  fc.record({ a: fc.oneof(fc.double(), junk), b: fc.oneof(fc.integer(), junk) }).map((value) => JSON.stringify(value)),
  fc.record({ operation: fc.constantFrom('select', 'count', 'exists', 'drop'), query: fc.string(), limit: junk }).map((value) => JSON.stringify(value)),
  fc.constantFrom(
    '{"__proto__": {"polluted": true}, "message": "x"}',
    '{"constructor": {"prototype": {"polluted": true}}, "message": "x"}',
    '{"arguments": {"message": "wrapped"}}',
    '```json\n{"message": "fenced"}\n```',
    '```\nnot json\n```',
    '{"message": "x", "limit": 1}',
    'SELECT 1',
    '',
  ),
  fc.string({ maxLength: 300 }),
);

const message = fc.oneof(
  fc.record({ role: fc.constant('user'), content: fc.oneof(argumentText, fc.array(part, { maxLength: 5 }), junk) }),
  fc.record({ role: fc.constantFrom('system', 'assistant', 'tool', 'developer', 'USER', ''), content: fc.oneof(fc.string(), junk) }),
  junk,
);

/** A chat body, close enough to real that most reach argument parsing, with junk in every field. */
const chatBody = fc.record(
  {
    model: fc.oneof(fc.constantFrom(...TOOLS, 'openai/echo', '__mcp_model_shim_health_check__', 'gpt-4o'), fc.string(), junk),
    messages: fc.oneof(fc.array(message, { maxLength: 6 }), junk),
    input: fc.oneof(argumentText, fc.array(fc.oneof(message, fc.record({ type: fc.constant('message'), role: fc.constant('user'), content: fc.array(part) })), { maxLength: 4 }), junk),
    prompt: fc.oneof(argumentText, fc.array(argumentText, { maxLength: 2 }), junk),
    previous_response_id: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string()),
    stream: fc.oneof(fc.boolean(), junk),
    stream_options: fc.oneof(fc.record({ include_usage: fc.oneof(fc.boolean(), junk) }), junk),
    temperature: junk,
    tools: junk,
  },
  { requiredKeys: ['messages'] },
);

const depth = fc.integer({ min: 1_000, max: 200_000 });
const deep = fc.oneof(
  depth.map((n) => '['.repeat(n) + ']'.repeat(n)),
  depth.map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  depth.map((n) => `{"messages": [{"role": "user", "content": ${'['.repeat(n)}${']'.repeat(n)}}]}`),
  depth.map((n) => JSON.stringify({ messages: [{ role: 'user', content: `{"message": ${'['.repeat(n)}"x"${']'.repeat(n)}}` }] })),
  depth.map((n) => '['.repeat(n)),
);

/** Large strings around the 1 MiB body limit, in the content or the whole body. */
const huge = fc.integer({ min: 100_000, max: 1_200_000 }).chain((size) =>
  fc.constantFrom(
    JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(size) }] }),
    JSON.stringify({ messages: [{ role: 'user', content: JSON.stringify({ message: 'é'.repeat(size / 2) }) }] }),
    '"' + 'y'.repeat(size) + '"',
  ),
);

/** Raw bytes, and JSON carrying bytes that are not UTF-8. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 2_000 }).map((array) => Buffer.from(array)),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((array) =>
    Buffer.concat([Buffer.from('{"messages": [{"role": "user", "content": "'), Buffer.from(array), Buffer.from('"}]}')]),
  ),
  fc.constant(Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe])),
);

/** A well-formed request with generated arguments and options, so that many reach a tool (each face reads its own field). */
const nearValidBody = fc
  .record({ content: argumentText, stream: fc.boolean(), usage: fc.boolean() })
  .map(({ content, stream, usage }) =>
    JSON.stringify({ messages: [{ role: 'user', content }], input: content, prompt: content, stream, stream_options: { include_usage: usage } }),
  );

const body: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 4, arbitrary: nearValidBody },
  { weight: 10, arbitrary: chatBody.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: junk.map((value) => JSON.stringify(value) ?? 'undefined') },
  { weight: 2, arbitrary: fc.string({ maxLength: 500 }) },
  { weight: 2, arbitrary: bytes },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: huge },
  { weight: 1, arbitrary: fc.constantFrom('', 'null', 'true', '0', '[]', '{}', '{"messages": null}', '{"messages": [null]}', '{"messages": [{"role": "user"}]}') },
);

const chatPath = fc.constantFrom(
  '/tools/echo/chat/completions',
  '/tools/add/v1/chat/completions',
  '/tools/pg_execute_query/chat/completions',
  '/v1/chat/completions',
  '/chat/completions',
  '/tools/echo/responses',
  '/tools/pg_execute_query/v1/responses',
  '/v1/responses',
  '/tools/add/completions',
  '/v1/completions',
);

const authorization: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Record<string, string>>({ authorization: `Bearer ${KEY}` }, { 'x-api-key': KEY }, { authorization: `bearer   ${LIMITED_KEY}` }) },
  { weight: 1, arbitrary: fc.constantFrom<Record<string, string>>({}, { authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: `Basic ${Buffer.from(`u:${KEY}`).toString('base64')}` }, { 'x-api-key': '' }) },
  { weight: 1, arbitrary: ascii(300).map((value) => ({ authorization: value })) },
  { weight: 1, arbitrary: ascii(300).map((value) => ({ authorization: `Bearer ${value}`, 'x-api-key': value })) },
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/json; charset=utf-16',
    'application/json; charset=bogus',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
  ),
  ascii(100),
);

const contentEncoding = fc.constantFrom(undefined, 'identity', 'gzip', 'deflate', 'br', 'compress', 'gzip, gzip', 'x-junk');

/** A tool name as it appears in a path: real, random, long, unicode, or a trick. */
const toolName = fc.oneof(
  fc.constantFrom(...TOOLS).map(encodeURIComponent),
  fc.string({ maxLength: 60 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
  // Past 16 KiB the URL alone overflows Node's header limit (431).
  fc.integer({ min: 256, max: 20_000 }).map((n) => 'a'.repeat(n)),
  ascii(40)
    .filter((name) => !/[\s]/.test(name))
    .map((name) => name.replace(/[?#]/g, '')),
  fc.constantFrom(
    '..%2F',
    '..%2f..%2f',
    '%2e%2e',
    '..',
    '.',
    '%00',
    'echo%00',
    '%',
    '%ZZ',
    '%E0%A4%A',
    '%C0%AF',
    '%FF%FE',
    'echo%2F..%2Fadd',
    '%5C..%5C',
    '__proto__',
    'constructor',
    'prototype',
    'hasOwnProperty',
    'toString',
    'db__',
    '__',
    '\u00e9cho',
    'echo;x=1',
    'echo%20',
    '%F0%9F%92%A9',
  ),
);

const pathTemplate = fc.constantFrom(
  (name: string) => `/tools/${name}/chat/completions`,
  (name: string) => `/tools/${name}/v1/chat/completions`,
  (name: string) => `/tools/${name}`,
  (name: string) => `/v1/models/${name}`,
  (name: string) => `/tools/${name}/v1/models`,
  (name: string) => `/tools/${name}/chat/completions/`,
  (name: string) => `//tools//${name}//chat/completions`,
  (name: string) => `/tools/${name}/../echo/chat/completions`,
  (name: string) => `/TOOLS/${name}/CHAT/COMPLETIONS`,
  (name: string) => `/tools/${name}/responses`,
  (name: string) => `/tools/${name}/v1/completions`,
  (name: string) => `/tools/${name}/embeddings`,
  (name: string) => `/v1/responses/${name}`,
  (name: string) => `/tools/echo/responses/${name}/cancel`,
  (name: string) => `/openapi/${name}`,
  (name: string) => `/docs/${name}`,
);

const segment = fc.constantFrom('tools', 'v1', 'chat', 'completions', 'responses', 'embeddings', 'models', 'health', 'openapi', 'openapi.json', 'docs', '..', '.', '%2e%2e', '%2F', '', 'x', '%00', 'echo');
const junkPath = fc.array(segment, { maxLength: 8 }).map((segments) => `/${segments.join('/')}`);
const query = fc.constantFrom('', '?a=1', '?model=echo', '?__proto__[polluted]=1', '?a[b][c]=1', '?%ZZ=%ZZ', `?${'q'.repeat(2_000)}`);

const method = fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, { weight: 2, arbitrary: fc.constant('GET') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH') });

const run = (numRuns: number, property: fc.IAsyncPropertyWithHooks<never> | fc.IAsyncProperty<never>) => fc.assert(property as fc.IAsyncProperty<unknown>, { numRuns });

// ---- the properties ---------------------------------------------------------------------------

test(`bodies: ${RUNS.bodies} requests to the faces with generated bodies`, async () => {
  await run(
    RUNS.bodies,
    fc.asyncProperty(chatPath, body, fc.boolean(), async (path, payload, asJson) => {
      await check({ path, body: payload, headers: { authorization: `Bearer ${KEY}`, ...(asJson ? { 'content-type': 'application/json' } : {}) } });
    }) as never,
  );
});

test(`headers: ${RUNS.headers} requests with generated content-type, content-encoding and keys`, async () => {
  await run(
    RUNS.headers,
    fc.asyncProperty(chatPath, authorization, contentType, contentEncoding, fc.oneof(chatBody.map((value) => JSON.stringify(value)), fc.string()), fc.boolean(), async (path, auth, type, encoding, payload, compress) => {
      const headers: Record<string, string> = { ...auth, 'content-type': type };
      let sent: string | Buffer = payload;
      if (encoding) headers['content-encoding'] = encoding;
      if (encoding === 'gzip' && compress) sent = gzipSync(payload);
      await check({ path, body: sent, headers });
    }) as never,
  );
});

test(`paths: ${RUNS.paths} requests with generated tool names, paths and methods`, async () => {
  await run(
    RUNS.paths,
    fc.asyncProperty(
      fc.oneof({ weight: 4, arbitrary: fc.tuple(pathTemplate, toolName).map(([template, name]) => template(name)) }, { weight: 1, arbitrary: junkPath }),
      query,
      method,
      authorization,
      fc.oneof(chatBody.map((value) => JSON.stringify(value)), fc.constant(JSON.stringify({ arguments: { message: 'x' } })), fc.constant('')),
      async (path, search, verb, auth, payload) => {
        await check({ method: verb, path: path + search, body: verb === 'GET' ? undefined : payload, headers: { ...auth, 'content-type': 'application/json' } });
      },
    ) as never,
  );
});

test('the figures: no 5xx, every answer in OpenAI shape, no unhandled rejections or uncaught exceptions', () => {
  const total = RUNS.bodies + RUNS.headers + RUNS.paths;
  report('fuzz: generated requests against the shim', {
    requests,
    statuses: histogram(statuses),
    '5xx': statuses.filter((status) => status >= 500).length,
    'answers not in OpenAI shape': problems.length,
    'unhandled rejections / uncaught exceptions': processErrors().length,
    'RSS (MiB)': Math.round(process.memoryUsage().rss / 1024 / 1024),
  });
  expect(problems).toEqual([]);
  expect(processErrors()).toEqual([]);
  expect(requests).toBeGreaterThanOrEqual(total);
  expect(statuses.filter((status) => status >= 500)).toEqual([]);
});
