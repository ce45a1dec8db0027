import Anthropic from '@anthropic-ai/sdk';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { litellmConfig } from '../../src/litellm/snippets.js';
import type { RunningShim } from '../../src/server.js';
import type { RestAdapter } from '../fixtures/rest-adapter.js';
import { startTestShim, stdioTestServer } from '../helpers/shim.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';
import { SEED, startPostgresShims, type PostgresShims } from './postgres-shims.js';

const MUTATION = { operation: 'insert', table: 'tools_seen', data: { name: 'once' } };

/** The field report's entry, unchanged but for the host in api_base: no retry, timeout or health settings. */
/**
 * Our message as it arrives: on its Responses paths LiteLLM quotes the shim's error body as JSON
 * inside its own message, so quotes may come escaped.
 */
const ours = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('"', '\\\\*"'));

const fieldReportEntry = (modelName: string, tool: string, shim: RunningShim) => ({
  model_name: modelName,
  litellm_params: { model: `openai/${tool}`, api_base: `${shim.url}/tools/${tool}`, api_key: 'dummy-key' },
});

/** The text of a Responses answer's message items, as a client reads it. */
function outputText(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}

function anthropicText(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

describe('every door LiteLLM opens to a model reaches the tool (the field report config, unchanged)', () => {
  let shims: PostgresShims;
  let adapter: RestAdapter;
  // The `record` tool (it may change data: it appends to RECORD_FILE) past a 1 s timeout, with
  // keep-alives every 100 ms, so its failure arrives after the stream has started.
  let recording: RunningShim;
  const recordFile = path.join(mkdtempSync(path.join(tmpdir(), 'shim-e2e-record-')), 'calls');
  let litellm: LiteLLM;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    shims = await startPostgresShims(['echo']);
    const { direct, viaAdapter } = shims;
    adapter = shims.adapter;
    writeFileSync(recordFile, '');
    recording = await startTestShim(
      { suite: stdioTestServer({ env: { SUITE_TOOLS: '1', RECORD_FILE: recordFile }, timeoutSeconds: 1, tools: { include: ['record'] } }) },
      100,
    );
    // Generated entries (the safe settings), for what the field report's entry cannot do.
    const generated = (shim: RunningShim, modelName: string) => {
      const [entry] = litellmConfig(shim.registry.list(), { baseUrl: shim.url }).model_list.filter((e) => e.model_name === modelName);
      return { ...entry!, model_name: `generated/${modelName}` };
    };
    const echo = generated(direct, 'echo');
    litellm = await startLiteLLM({
      model_list: [
        fieldReportEntry('pg_execute_query', 'pg_execute_query', direct),
        fieldReportEntry('echo', 'echo', direct),
        fieldReportEntry('adapter/pg_execute_mutation', 'pg_execute_mutation', viaAdapter),
        echo,
        // Without the generated safety settings (num_retries: 0), as most users have it: LiteLLM
        // retries a stream's 5xx failure in the same group, so only the status it carries stops a repeat.
        fieldReportEntry('record', 'record', recording),
        // A generated entry whose tool is gone: every call is a 404.
        { ...echo, model_name: 'generated/ghost', litellm_params: { ...echo.litellm_params, api_base: `${direct.url}/tools/ghost` } },
      ],
    });
    // Default clients: retries enabled, as users have them.
    openai = new OpenAI({ baseURL: litellm.url, apiKey: litellm.masterKey });
    anthropic = new Anthropic({ baseURL: litellm.url, apiKey: litellm.masterKey });
  }, 180_000);

  afterAll(async () => {
    await litellm?.stop();
    await recording?.close();
    await shims?.close();
  });

  beforeEach(() => {
    adapter.failWith(undefined);
    adapter.received.length = 0;
  });

  describe('POST /v1/responses (the openai client)', () => {
    test('responses.create returns the seed query rows', async () => {
      const response = await openai.responses.create({ model: 'pg_execute_query', input: JSON.stringify(SEED) });
      expect(response.status).toBe('completed');
      expect(outputText(response)).toContain('| shim_e2e |');
    });

    test('responses.stream → finalResponse() returns the seed query rows', async () => {
      const stream = openai.responses.stream({ model: 'pg_execute_query', input: [{ role: 'user', content: JSON.stringify(SEED) }] });
      const deltas: string[] = [];
      stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
      const final = await stream.finalResponse();
      expect(final.status).toBe('completed');
      expect(outputText(final)).toContain('| shim_e2e |');
      expect(deltas.join('')).toBe(outputText(final));
    });

    test("invalid arguments are a 400 carrying the shim's message", async () => {
      const call = openai.responses.create({ model: 'pg_execute_query', input: '{"operation": "select"}' });
      await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      await expect(call).rejects.toThrow(ours('Invalid arguments for tool "pg_execute_query": missing required parameter "query"'));
    });

    test('a failing mutating tool runs exactly once: no retry by LiteLLM or the openai client', async () => {
      adapter.failWith(500);
      const call = openai.responses.create({ model: 'adapter/pg_execute_mutation', input: JSON.stringify(MUTATION) });
      await expect(call).rejects.toThrow(ours('upstream "adapter" failed (HTTP 500)'));
      expect(adapter.received).toHaveLength(1);
    });
  });

  describe('POST /v1/messages (the Anthropic client; LiteLLM bridges it to /responses)', () => {
    test('messages.create returns the seed query rows', async () => {
      const message = await anthropic.messages.create({ model: 'pg_execute_query', max_tokens: 1024, messages: [{ role: 'user', content: JSON.stringify(SEED) }] });
      expect(message.role).toBe('assistant');
      expect(anthropicText(message)).toContain('| shim_e2e |');
    });

    test('messages.stream → finalMessage() returns the seed query rows', async () => {
      const stream = anthropic.messages.stream({
        model: 'pg_execute_query',
        max_tokens: 1024,
        system: 'You are a database',
        messages: [{ role: 'user', content: [{ type: 'text', text: JSON.stringify(SEED) }] }],
      });
      const final = await stream.finalMessage();
      expect(anthropicText(final)).toContain('| shim_e2e |');
    });

    test("invalid arguments are a 400 carrying the shim's message", async () => {
      const call = anthropic.messages.create({ model: 'pg_execute_query', max_tokens: 16, messages: [{ role: 'user', content: 'SELECT 1' }] });
      await expect(call).rejects.toBeInstanceOf(Anthropic.BadRequestError);
      await expect(call).rejects.toThrow(ours('Invalid arguments for tool "pg_execute_query": the input is plain text'));
    });
  });

  describe('POST /v1/completions (legacy; the openai client)', () => {
    test('completions.create returns the seed query rows', async () => {
      const completion = await openai.completions.create({ model: 'pg_execute_query', prompt: JSON.stringify(SEED) });
      expect(completion.choices[0]!.text).toContain('| shim_e2e |');
    });

    test('streamed, it returns the seed query rows', async () => {
      const stream = await openai.completions.create({ model: 'pg_execute_query', prompt: JSON.stringify(SEED), stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
      expect(text).toContain('| shim_e2e |');
    });

    test("invalid arguments are a 400 carrying the shim's message", async () => {
      const call = openai.completions.create({ model: 'pg_execute_query', prompt: 'SELECT 1' });
      await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      await expect(call).rejects.toThrow(ours('Invalid arguments for tool "pg_execute_query": the prompt is plain text'));
    });
  });

  test('an endpoint a tool cannot serve is a 400, which does not cool the tool down', async () => {
    const call = openai.embeddings.create({ model: 'echo', input: 'x' });
    await expect(call).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(call).rejects.toThrow(/is not served: "echo" is an MCP tool/);
  });

  describe('with the generated entries', () => {
    test('reasoning (Codex) and thinking (Claude Code) are accepted: supports_reasoning', async () => {
      const response = await openai.responses.create({ model: 'generated/echo', input: 'reasoned', reasoning: { effort: 'low' } });
      expect(outputText(response)).toBe('echo: reasoned');
      const message = await anthropic.messages.create({
        model: 'generated/echo',
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        messages: [{ role: 'user', content: 'thought' }],
      });
      expect(anthropicText(message)).toBe('echo: thought');
    });

    test('a 404 on /v1/responses or /v1/messages cools nothing down: cooldown_time in model_info', async () => {
      for (let i = 0; i < 3; i += 1) {
        await expect(openai.responses.create({ model: 'generated/ghost', input: '{}' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
        await expect(anthropic.messages.create({ model: 'generated/ghost', max_tokens: 16, messages: [{ role: 'user', content: '{}' }] })).rejects.toBeInstanceOf(
          Anthropic.NotFoundError,
        );
      }
    });

    /** The lines RECORD_FILE holds: one per execution of the `record` tool. */
    const executions = () => readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);

    test('a mutating tool that fails after /v1/messages started streaming runs exactly once (the failure is said as reasoning first, with 424)', async () => {
      writeFileSync(recordFile, '');
      const args = JSON.stringify({ id: 'messages', ms: 3000 });
      const stream = anthropic.messages.stream({ model: 'record', max_tokens: 64, messages: [{ role: 'user', content: args }] });
      await expect(stream.finalMessage()).rejects.toThrow(ours('did not answer within 1 s'));
      expect(executions()).toEqual(['messages']);
    });

    test('a mutating tool that fails after /v1/responses started streaming runs exactly once, and the stream ends with response.failed', async () => {
      writeFileSync(recordFile, '');
      const stream = openai.responses.stream({ model: 'record', input: JSON.stringify({ id: 'responses', ms: 3000 }) });
      const types: string[] = [];
      let failed: OpenAI.Responses.ResponseFailedEvent | undefined;
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.failed') failed = event;
      }
      expect(types.at(-1)).toBe('response.failed');
      expect(failed!.response.error!.message).toMatch(ours('did not answer within 1 s'));
      expect(executions()).toEqual(['responses']);
    });
  });

  // Last: after every door above (and their 400s and 424), nothing is in cooldown.
  test('after all of them, a chat completion still answers 200 for every model', async () => {
    for (const model of ['pg_execute_query', 'echo']) {
      const content = model === 'echo' ? 'still here' : JSON.stringify(SEED);
      const completion = await openai.chat.completions.create({ model, messages: [{ role: 'user', content }] });
      expect(completion.choices[0]!.message.content).toBeTruthy();
    }
  });
});
