import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { startShim, type RunningShim } from '../../src/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.js';
import { freePort } from '../helpers/free-port.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';
import { SEED, PG_SERVER } from './postgres-shims.js';


/**
 * The field report's next step, end to end: a sentence typed to `pg_execute_query` (or a question
 * to an agent) through the real LiteLLM proxy, the shim asking its LLM through that same proxy
 * (which routes `gpt-test` to the scripted stand-in), and the real PostgreSQL server and database
 * behind the tools.
 */
describe('plain English through LiteLLM, on the real PostgreSQL', () => {
  let llm: ScriptedLlm;
  let litellm: LiteLLM;
  let shim: RunningShim;
  let openai: OpenAI;

  beforeAll(async () => {
    llm = await startScriptedLlm();
    // LiteLLM must know the shim's address and the shim LiteLLM's: the shim's port is chosen first.
    const port = await freePort();
    litellm = await startLiteLLM({
      model_list: [
        {
          model_name: 'pg_execute_query',
          litellm_params: { model: 'openai/pg_execute_query', api_base: `http://127.0.0.1:${port}/tools/pg_execute_query`, api_key: 'dummy-key' },
        },
        {
          model_name: 'pg_execute_mutation',
          litellm_params: { model: 'openai/pg_execute_mutation', api_base: `http://127.0.0.1:${port}/tools/pg_execute_mutation`, api_key: 'dummy-key' },
        },
        {
          model_name: 'orders-analyst',
          litellm_params: { model: 'openai/orders-analyst', api_base: `http://127.0.0.1:${port}/tools/orders-analyst`, api_key: 'dummy-key' },
        },
        { model_name: 'gpt-test', litellm_params: { model: 'openai/gpt-test', api_base: llm.baseUrl, api_key: 'scripted' } },
      ],
    });
    shim = await startShim(
      {
        server: {},
        mcpServers: { postgres: { command: process.execPath, args: [PG_SERVER], env: { POSTGRES_CONNECTION_STRING: process.env.E2E_DATABASE_URL! } } },
        tools: { pg_execute_query: { fromText: 'llm' }, pg_execute_mutation: { fromText: 'llm' } },
        llm: { baseUrl: `${litellm.url}/v1`, apiKey: litellm.masterKey, model: 'gpt-test' },
        // The PostgreSQL server marks no tool read-only, so the agent is allowed mutations.
        agents: { 'orders-analyst': { tools: ['pg_execute_query'], allowMutations: true, instructions: 'Answer from the database.' } },
      },
      { host: '127.0.0.1', port },
    );
    openai = new OpenAI({ baseURL: litellm.url, apiKey: litellm.masterKey, maxRetries: 0 });
  });
  beforeEach(() => {
    llm.requests.length = 0;
  });
  afterAll(async () => {
    await shim?.close();
    await litellm?.stop();
    await llm?.close();
  });

  test('the server does not mark the query tool read-only, so the derived JSON is shown first; sent back, it returns the rows', async () => {
    llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: SEED }] });
    const shown = await openai.chat.completions.create({ model: 'pg_execute_query', messages: [{ role: 'user', content: 'which databases are there?' }] });
    const content = shown.choices[0]!.message.content!;
    expect(content).toMatch(/Not run yet: "pg_execute_query" is not marked read-only, so it may change data\. Send exactly this JSON as your message to run it\.$/);

    // LiteLLM passed the shim's function and its forced tool_choice through to the model.
    const [asked] = llm.requests as { tools: { function: { name: string } }[]; tool_choice: unknown; messages: { role: string; content: string }[] }[];
    expect(asked!.tools.map((tool) => tool.function.name)).toEqual(['pg_execute_query']);
    expect(asked!.tool_choice).toEqual({ type: 'function', function: { name: 'pg_execute_query' } });
    expect(asked!.messages.at(-1)).toEqual({ role: 'user', content: 'which databases are there?' });

    const json = /```json\n([\s\S]*)\n```/.exec(content)![1]!;
    expect(JSON.parse(json)).toEqual(SEED);
    const ran = await openai.chat.completions.create({ model: 'pg_execute_query', messages: [{ role: 'user', content: json }] });
    const { stdout } = await promisify(execFile)('psql', [process.env.E2E_DATABASE_URL!, '-Atc', SEED.query]);
    for (const datname of stdout.trim().split('\n')) expect(ran.choices[0]!.message.content).toContain(`| ${datname} |`);
    expect(llm.requests).toHaveLength(1);
  });

  test('a mutation from a sentence runs zero times until its JSON is sent back, then exactly once', async () => {
    const psql = (sql: string) => promisify(execFile)('psql', [process.env.E2E_DATABASE_URL!, '-Atc', sql]).then(({ stdout }) => stdout.trim());
    await psql('DROP TABLE IF EXISTS e2e_notes; CREATE TABLE e2e_notes (id serial, note text)');
    const insert = { operation: 'insert', table: 'e2e_notes', data: { note: 'hello from a sentence' } };
    llm.reply({ toolCalls: [{ name: 'pg_execute_mutation', arguments: insert }] });
    const shown = await openai.chat.completions.create({ model: 'pg_execute_mutation', messages: [{ role: 'user', content: 'add a note saying hello from a sentence' }] });
    const json = /```json\n([\s\S]*)\n```/.exec(shown.choices[0]!.message.content!)![1]!;
    expect(JSON.parse(json)).toEqual(insert);
    expect(await psql('SELECT count(*) FROM e2e_notes')).toBe('0');
    await openai.chat.completions.create({ model: 'pg_execute_mutation', messages: [{ role: 'user', content: json }] });
    expect(await psql('SELECT note FROM e2e_notes')).toBe('hello from a sentence');
    expect(llm.requests).toHaveLength(1);
  });

  test('an agent streamed through LiteLLM: its step arrives as reasoning_content, its answer as content, from real rows', async () => {
    llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: SEED }] }, { text: 'There are two databases.' });
    const stream = await openai.chat.completions.create({ model: 'orders-analyst', stream: true, messages: [{ role: 'user', content: 'How many databases are there?' }] });
    let reasoning = '';
    let content = '';
    const finishes: string[] = [];
    for await (const chunk of stream) {
      const delta = (chunk.choices[0]?.delta ?? {}) as { reasoning_content?: string; content?: string | null; tool_calls?: unknown };
      expect(delta.tool_calls).toBeUndefined();
      reasoning += delta.reasoning_content ?? '';
      content += delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
    // LiteLLM 1.109.0 passes an openai/ model's reasoning_content through.
    expect(reasoning).toMatch(/^pg_execute_query \{"operation":"select",.*\} → .*Retrieved 2 rows.* \((\d+ ms|\d+\.\d s)\)\n$/);
    expect(content).toBe('There are two databases.');
    expect(finishes).toEqual(['stop']);
    // The LLM got the real rows in the tool message.
    const second = llm.requests[1] as { messages: { role: string; content: string }[] };
    expect(second.messages.find((message) => message.role === 'tool')?.content).toContain('| postgres |');
  });
});
