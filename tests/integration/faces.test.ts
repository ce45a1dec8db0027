import OpenAI from 'openai';
import request from 'supertest';
import type { RunningShim } from '../../src/server.js';
import { startRemoteServer, type RemoteServer } from '../fixtures/remote-mcp-server.js';
import type { RestAdapter } from '../fixtures/rest-adapter.js';
import { exampleBody, expectOpenAIError } from '../helpers/openai-error.js';
import { clientForTool, startShimOverAdapter, startTestShim, stdioTestServer, type ShimOverAdapter } from '../helpers/shim.js';

/** SSE as a list of `{event, data}`: comments dropped, `[DONE]` kept as a string. */
function sseEvents(text: string): { event: string | undefined; data: unknown }[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '' && !block.startsWith(':'))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)![1]!;
      return { event, data: data === '[DONE]' ? data : JSON.parse(data) };
    });
}

const SEED = '{"operation": "select", "query": "SELECT 1"}';

// The REST adapter fixture counts every call that reaches the upstream; most tests run nothing.
let pair: ShimOverAdapter;
let shim: RunningShim;
let adapter: RestAdapter;

beforeAll(async () => {
  pair = await startShimOverAdapter();
  ({ shim, adapter } = pair);
});
afterAll(() => pair.close());
beforeEach(() => {
  adapter.received.length = 0;
});

describe('the Responses API face', () => {
  test('responses.create answers a response object with the tool result as output_text', async () => {
    const response = await clientForTool(shim, 'pg_execute_query').responses.create({
      model: 'pg_execute_query',
      input: SEED,
      text: { format: { type: 'json_object' } },
    });
    expect(response).toMatchObject({ object: 'response', status: 'completed', model: 'pg_execute_query', error: null, store: false });
    expect(response.text?.format).toEqual({ type: 'json_object' });
    expect(response.id).toMatch(/^resp_/);
    expect(JSON.parse(response.output_text)).toEqual({ received: { operation: 'select', query: 'SELECT 1' } });
    expect(response.output).toHaveLength(1);
    expect(response.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', annotations: [] }] });
    const usage = response.usage!;
    expect(usage.input_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
    expect(adapter.received).toEqual([{ tool: 'pg_execute_query', body: { arguments: { operation: 'select', query: 'SELECT 1' } }, headers: expect.any(Object) }]);
  });

  test('input as items (the shape LiteLLM bridges Anthropic messages to): the last user message, its input_text parts', async () => {
    const res = await request(shim.url)
      .post('/tools/echo/responses')
      .send({
        model: 'echo',
        instructions: 'You are a helpful assistant',
        include: ['reasoning.encrypted_content'],
        max_output_tokens: 4096,
        input: [
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: '{"message": "first"}' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
          { type: 'message', role: 'user', content: [{ type: 'input_text', text: '{"message":' }, { type: 'input_text', text: '"second"}' }] },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.output_text).toBe('echo: second');
  });

  test('the plain routes take the tool from model, openai/ prefix stripped', async () => {
    for (const path of ['/v1/responses', '/responses', '/tools/echo/v1/responses']) {
      const res = await request(shim.url).post(path).send({ model: 'openai/echo', input: 'hello' });
      expect(res.status).toBe(200);
      expect(res.body.output[0].content[0].text).toBe('echo: hello');
    }
  });

  test('responses.stream(): every event in order with its sequence_number, and finalResponse()', async () => {
    const stream = clientForTool(shim, 'echo').responses.stream({ model: 'echo', input: 'streamed' });
    const types: string[] = [];
    const sequence: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      sequence.push(event.sequence_number);
    }
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(sequence).toEqual(types.map((_, i) => i));
    const final = await stream.finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('echo: streamed');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  test('each event has an event: line naming its type, and there is no [DONE]', async () => {
    const res = await request(shim.url).post('/tools/echo/responses').send({ input: 'x', stream: true });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.text);
    for (const { event, data } of events) expect(event).toBe((data as { type: string }).type);
    expect(events.at(-1)!.event).toBe('response.completed');
  });

  test('invalid arguments are a 400 that points at input, with a Responses body that works; nothing runs', async () => {
    const openai = clientForTool(shim, 'pg_execute_query');
    const err = await openai.responses.create({ model: 'pg_execute_query', input: 'SELECT 1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const res = await request(shim.url).post('/tools/pg_execute_query/responses').send({ input: 'SELECT 1' });
    const error = expectOpenAIError(res.body, 'invalid_arguments');
    expect(error.param).toBe('input');
    expect(error.message).toContain('the input is plain text, but this tool needs a JSON object of arguments');
    const example = JSON.parse(exampleBody(error.message));
    expect(example).toEqual({ model: 'pg_execute_query', input: expect.any(String) });
    expect(adapter.received).toEqual([]);
    // The example is a body that works.
    const retry = await request(shim.url).post('/tools/pg_execute_query/responses').send(example);
    expect(retry.status).toBe(200);
  });

  test('a malformed request names the field', async () => {
    const refusal = async (body: object) => {
      const res = await request(shim.url).post('/tools/echo/responses').send(body);
      expect(res.status).toBe(400);
      return [res.body.error.param, res.body.error.code];
    };
    expect(await refusal({})).toEqual(['input', 'invalid_input']);
    expect(await refusal({ input: [] })).toEqual(['input', 'invalid_input']);
    expect(await refusal({ input: [{ role: 'system', content: 'x' }] })).toEqual(['input', 'no_user_message']);
    expect(await refusal({ input: [{ role: 'user', content: 7 }] })).toEqual(['input[0].content', 'invalid_content']);
    expect(adapter.received).toEqual([]);
  });

  test("a tool's answer depends only on this input: previous_response_id (LiteLLM's playground sends it) is ignored", async () => {
    const openai = clientForTool(shim, 'echo');
    const response = await openai.responses.create({ model: 'echo', input: 'second turn', previous_response_id: 'resp_abc' });
    expect(response.output_text).toBe('echo: second turn');
    expect(response).toMatchObject({ previous_response_id: null, store: false });
  });

  test("a tool's answer is never stored: retrieving or deleting it is a 404 that says so; cancel and input_items a 400", async () => {
    const openai = clientForTool(shim, 'echo');
    const response = await openai.responses.create({ model: 'echo', input: 'kept?' });
    expect(response).toMatchObject({ store: false });
    await expect(openai.responses.retrieve(response.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    for (const [method, path] of [
      ['get', `/v1/responses/${response.id}`],
      ['delete', `/responses/${response.id}`],
      ['get', `/tools/echo/v1/responses/${response.id}`],
    ] as const) {
      const res = await request(shim.url)[method](path);
      expect([path, res.status]).toEqual([path, 404]);
      expect(expectOpenAIError(res.body, 'response_not_found').message).toContain("a tool's never are");
    }
    for (const [method, path] of [
      ['post', '/v1/responses/resp_abc/cancel'],
      ['get', '/tools/echo/responses/resp_abc/input_items'],
    ] as const) {
      const res = await request(shim.url)[method](path);
      expect([path, res.status]).toEqual([path, 400]);
      expectOpenAIError(res.body, 'unsupported_endpoint');
    }
    expect(adapter.received).toHaveLength(1);
  });

  test("LiteLLM's health-check prompt is answered without running the tool", async () => {
    const res = await request(shim.url).post('/tools/pg_execute_query/responses').send({ model: 'pg_execute_query', input: "What's 1 + 1?", max_output_tokens: 1 });
    expect(res.status).toBe(200);
    expect(res.body.output_text).toContain('looked like a LiteLLM health check, so the tool was not run');
    expect(adapter.received).toEqual([]);
  });

  test('a failing tool that may change data runs once and is a 424 nobody retries, even with client retries on', async () => {
    adapter.failWith(500);
    try {
      const openai = new OpenAI({ baseURL: `${shim.url}/tools/echo`, apiKey: 'x', maxRetries: 2 });
      await expect(openai.responses.create({ model: 'echo', input: 'once' })).rejects.toMatchObject({ status: 424 });
      expect(adapter.received).toHaveLength(1);
    } finally {
      adapter.failWith(undefined);
    }
  });
});

describe('Responses streaming: progress as reasoning, failures as response.failed', () => {
  let remote: RemoteServer;
  let viaRemote: RunningShim;
  let slow: RunningShim;

  beforeAll(async () => {
    remote = await startRemoteServer('streamable-http');
    viaRemote = await startTestShim({ remote: { type: 'streamable-http', url: remote.url } });
    slow = await startTestShim({ db: stdioTestServer({ env: { SUITE_TOOLS: '1' }, timeoutSeconds: 0.3 }) }, 50);
  });
  afterAll(async () => {
    await viaRemote.close();
    await slow.close();
    await remote.close();
  });

  test('progress arrives as a reasoning item before the message, which finalResponse() keeps', async () => {
    const stream = clientForTool(viaRemote, 'progress').responses.stream({ model: 'progress', input: '{"steps": 2, "ms": 50}' });
    const summaries: string[] = [];
    stream.on('response.reasoning_summary_text.delta', (event) => summaries.push(event.delta));
    const final = await stream.finalResponse();
    expect(summaries).toEqual(['[1/2] step 1\n', '[2/2] step 2\n']);
    expect(final.output.map((item) => item.type)).toEqual(['reasoning', 'message']);
    expect(final.output[0]).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: '[1/2] step 1\n[2/2] step 2\n' }] });
    expect(final.output_text).toBe('remote: 2 steps done');
  });

  test('a failure after the stream started ends with response.failed carrying the error and its status', async () => {
    const res = await request(slow.url).post('/tools/slow_read/responses').send({ input: '{"ms": 2000}', stream: true });
    expect(res.status).toBe(200);
    const events = sseEvents(res.text);
    expect(events.map((e) => e.event)).toEqual(['response.created', 'response.in_progress', 'response.failed']);
    const failed = events.at(-1)!.data as { response: { status: string; error: { code: string; message: string } } };
    expect(failed.response.status).toBe('failed');
    // The code is the status it would have had (read-only: a 504 that may be retried), which LiteLLM maps back.
    expect(failed.response.error).toEqual({ code: '504', message: 'upstream "db" did not answer within 0.3 s' });
  });

  test('when the tool may have run, the failure is said as reasoning first, and its code is 424', async () => {
    const stream = clientForTool(slow, 'slow').responses.stream({ model: 'slow', input: '{"ms": 2000}' });
    const types: string[] = [];
    let failed: OpenAI.Responses.ResponseFailedEvent | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.failed') failed = event;
    }
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.failed',
    ]);
    const message = 'upstream "db" did not answer within 0.3 s. Not retried: the tool may have run and is not marked read-only or idempotent.';
    expect(failed!.response.error).toEqual({ code: '424', message });
    expect(failed!.response.output).toEqual([expect.objectContaining({ type: 'reasoning', summary: [{ type: 'summary_text', text: `${message}\n` }] })]);
  });

  test('a failure before anything was streamed keeps its HTTP status', async () => {
    // The default keep-alive (15 s): with slow's 50 ms, a busy machine can start the stream before the crash is seen.
    const crashing = await startTestShim({ db: stdioTestServer({ env: { SUITE_TOOLS: '1' } }) });
    try {
      const res = await request(crashing.url).post('/tools/crash/responses').send({ input: '', stream: true });
      expect(res.status).toBe(424);
      expectOpenAIError(res.body, 'upstream_failed');
    } finally {
      await crashing.close();
    }
  });
});

describe('the legacy completions face', () => {
  test('completions.create answers a text_completion with the tool result as text', async () => {
    const completion = await clientForTool(shim, 'echo').completions.create({ model: 'echo', prompt: '{"message": "legacy"}' });
    expect(completion).toMatchObject({ object: 'text_completion', model: 'echo', choices: [{ index: 0, text: 'echo: legacy', finish_reason: 'stop' }] });
    expect(completion.id).toMatch(/^cmpl-/);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  test('streamed: text chunks, a stop, the usage chunk when asked for, [DONE]', async () => {
    const stream = await clientForTool(shim, 'echo').completions.create({
      model: 'echo',
      prompt: ['{"message": "streamed"}'],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const finishes: (string | null)[] = [];
    let usage;
    for await (const chunk of stream) {
      expect(chunk.object).toBe('text_completion');
      for (const choice of chunk.choices) {
        text += choice.text;
        finishes.push(choice.finish_reason);
      }
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('echo: streamed');
    expect(finishes.at(-1)).toBe('stop');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    const raw = await request(shim.url).post('/v1/completions').send({ model: 'echo', prompt: 'x', stream: true });
    expect(raw.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  test('a prompt that is not one string, and invalid arguments, are 400s pointing at prompt', async () => {
    for (const prompt of [['a', 'b'], [1, 2, 3], undefined]) {
      const res = await request(shim.url).post('/tools/echo/completions').send({ prompt });
      expect(res.status).toBe(400);
      expect(expectOpenAIError(res.body, 'invalid_prompt').param).toBe('prompt');
    }
    const res = await request(shim.url).post('/tools/pg_execute_query/completions').send({ prompt: 'SELECT 1' });
    const error = expectOpenAIError(res.body, 'invalid_arguments');
    expect(error.param).toBe('prompt');
    expect(JSON.parse(exampleBody(error.message))).toEqual({ model: 'pg_execute_query', prompt: expect.any(String) });
    expect(adapter.received).toEqual([]);
  });
});

describe('other OpenAI endpoints never cool a tool down', () => {
  test('under a tool that exists they are a 400 unsupported_endpoint naming the endpoints that work', async () => {
    for (const [method, path] of [
      ['post', '/tools/echo/embeddings'],
      ['post', '/tools/echo/v1/images/generations'],
      ['post', '/tools/echo/audio/speech'],
      ['get', '/tools/echo/v1/files'],
      ['post', '/tools/echo/responses/input_tokens'],
    ] as const) {
      const res = await request(shim.url)[method](path).send({ model: 'echo', input: 'x' });
      expect([path, res.status]).toEqual([path, 400]);
      const { message } = expectOpenAIError(res.body, 'unsupported_endpoint');
      expect(message).toContain(`${method.toUpperCase()} ${path} is not served: "echo" is an MCP tool`);
      expect(message).toContain('POST /tools/echo/chat/completions');
      expect(message).toContain('POST /tools/echo/responses');
    }
    const openai = clientForTool(shim, 'echo');
    await expect(openai.embeddings.create({ model: 'echo', input: 'x' })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    expect(adapter.received).toEqual([]);
  });

  test('at the root, an endpoint whose model names a tool is a 400 too (a wildcard route)', async () => {
    const res = await request(shim.url).post('/v1/embeddings').send({ model: 'openai/echo', input: 'x' });
    expect(res.status).toBe(400);
    expect(expectOpenAIError(res.body, 'unsupported_endpoint').message).toContain('POST /v1/chat/completions');
  });

  test('under an unknown tool it stays a 404 model_not_found; elsewhere an unknown route', async () => {
    const res = await request(shim.url).post('/tools/ehco/embeddings').send({ input: 'x' });
    expect(res.status).toBe(404);
    expect(expectOpenAIError(res.body, 'model_not_found').message).toContain('Did you mean "echo"?');
    const root = await request(shim.url).post('/v1/embeddings').send({ model: 'text-embedding-3-small', input: 'x' });
    expect(root.status).toBe(404);
    expectOpenAIError(root.body, 'unknown_route');
  });
});
