import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Locator } from 'playwright-core';
import { litellmConfig } from '../../src/litellm/snippets.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.js';
import { freePort } from '../helpers/free-port.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';
import { Playground } from './playground.js';
import { startPostgresShims, type PostgresShims, PG_SERVER } from './postgres-shims.js';

const MESSAGE = 'hello from the UI';
const ORDERS_QUERY = { operation: 'select', query: 'SELECT item, amount FROM ui_orders ORDER BY id' };

/** The rows PostgreSQL itself returns for `sql`, each as its cells' text. */
async function psqlRows(sql: string): Promise<string[][]> {
  const { stdout } = await promisify(execFile)('psql', [process.env.E2E_DATABASE_URL!, '-At', '-F', '\t', '-c', sql]);
  return stdout.trimEnd().split('\n').map((line) => line.split('\t'));
}

describe("LiteLLM's admin UI playground, headless", () => {
  let shims: PostgresShims;
  let llm: ScriptedLlm;
  let agentShim: RunningShim;
  let litellm: LiteLLM;
  let playground: Playground;
  let offLoopback: string[];

  beforeAll(async () => {
    await promisify(execFile)('psql', [
      process.env.E2E_DATABASE_URL!,
      '-c',
      "DROP TABLE IF EXISTS ui_orders; CREATE TABLE ui_orders (id serial, item text, amount int); INSERT INTO ui_orders (item, amount) VALUES ('widget', 3), ('gadget', 5);" +
        "DROP TABLE IF EXISTS ui_sales; CREATE TABLE ui_sales (id serial, item text, amount int); INSERT INTO ui_sales (item, amount) VALUES ('widget', 10), ('gadget', 20), ('gizmo', 30);",
    ]);
    shims = await startPostgresShims(['echo']);
    // An agent model over the PostgreSQL server's query tool, thinking with the scripted stand-in
    // LLM through LiteLLM itself (model gpt-test). Each needs the other's address: the shim's port is chosen first.
    llm = await startScriptedLlm();
    const agentPort = await freePort();
    const tools = litellmConfig(shims.direct.registry.list(), { baseUrl: shims.direct.url });
    const agents = litellmConfig([], { baseUrl: `http://127.0.0.1:${agentPort}`, agents: ['orders-analyst'] });
    const thinker = { model_name: 'gpt-test', litellm_params: { model: 'openai/gpt-test', api_base: llm.baseUrl, api_key: 'scripted' } };
    litellm = await startLiteLLM({ ...tools, model_list: [...tools.model_list, ...agents.model_list, thinker], router_settings: agents.router_settings });
    agentShim = await startShim(
      {
        server: {},
        mcpServers: { postgres: { command: process.execPath, args: [PG_SERVER], env: { POSTGRES_CONNECTION_STRING: process.env.E2E_DATABASE_URL! } } },
        llm: { baseUrl: `${litellm.url}/v1`, apiKey: litellm.masterKey, model: 'gpt-test' },
        // The PostgreSQL server marks no tool read-only: the agent is allowed its query tool anyway.
        agents: { 'orders-analyst': { tools: ['pg_execute_query'], allowMutations: true } },
      },
      { host: '127.0.0.1', port: agentPort },
    );

    playground = await Playground.open(litellm);
    ({ offLoopback } = playground);
  }, 240_000);

  afterAll(async () => {
    await playground?.close();
    await litellm?.stop();
    await agentShim?.close();
    await llm?.close();
    await shims?.close();
  }, 60_000);

  const ask: Playground['ask'] = (...args) => playground.ask(...args);
  const recordPosts = (suffix: string) => playground.recordPosts(suffix);

  /** The echo tool's answer, tagged with the model. */
  const echoed = async (answer: Locator) => {
    await answer.getByText(`echo: ${MESSAGE}`, { exact: true }).waitFor();
    await expect(answer.innerText()).resolves.toMatch(/^echo\s+echo: hello from the UI/);
  };

  test("picks the echo tool as the model, sends a message and shows the tool's answer", async () => {
    const sent = recordPosts('/chat/completions');
    await ask('/v1/chat/completions', 'echo', MESSAGE, echoed);
    // What the UI asked LiteLLM for: one streamed chat completion for the tool, usage included.
    expect(sent).toEqual([
      expect.objectContaining({
        model: 'echo',
        stream: true,
        stream_options: { include_usage: true },
        messages: [expect.objectContaining({ role: 'user', content: MESSAGE })],
      }),
    ]);
    expect(offLoopback).toEqual([]);
  }, 120_000);

  test("with the /v1/responses endpoint type, it shows the tool's answer too, also to the chat's next message", async () => {
    const sent = recordPosts('/responses');
    await ask('/v1/responses', 'echo', MESSAGE, echoed);
    // The next message carries the last response's id ("Keep context on the gateway", on by
    // default); a tool's answer depends only on the new input.
    await ask('/v1/responses', 'echo', 'and again', (answer) => answer.getByText('echo: and again', { exact: true }).waitFor(), { sameChat: true });
    expect(sent).toEqual([
      expect.objectContaining({ model: 'echo', stream: true }),
      expect.objectContaining({ model: 'echo', stream: true, input: expect.anything(), previous_response_id: expect.stringMatching(/^resp_/) }),
    ]);
    expect(offLoopback).toEqual([]);
  }, 120_000);

  // A query as the field report sends it: the server's preamble, then the rows, which the shim
  // sends as a Markdown table (render: auto) and the playground draws as an HTML table.
  test("a query's rows show in the playground as an HTML table holding PostgreSQL's values", async () => {
    await ask('/v1/chat/completions', 'pg_execute_query', JSON.stringify(ORDERS_QUERY), async (answer) => {
      const table = answer.getByRole('table');
      await table.waitFor();
      await answer.getByText('Query executed successfully. Retrieved 2 rows.').waitFor();
      await expect(table.getByRole('columnheader').allInnerTexts()).resolves.toEqual(['item', 'amount']);
      const cells = await table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent?.trim())));
      expect(cells).toEqual(await psqlRows(ORDERS_QUERY.query));
    });
    const screenshot = await playground.keepScreenshot('ui-seed-table.png');
    console.log(`screenshot of the rows in the UI: ${screenshot}`);
    expect(offLoopback).toEqual([]);
  }, 120_000);

  test.each(['/v1/chat/completions', '/v1/responses'] as const)("with %s, an agent answers 'show me all orders' from real PostgreSQL rows, its step shown as reasoning above the answer", async (endpoint) => {
    const asked = llm.requests.length;
    llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: ORDERS_QUERY }] }, { text: 'There are two orders: 3 widgets and 5 gadgets.' });
    await ask(endpoint, 'orders-analyst', 'show me all orders', async (answer) => {
      await answer.getByText('There are two orders: 3 widgets and 5 gadgets.').waitFor();
      // Shown as reasoning (chat's reasoning_content, Responses' reasoning summary events): a block the playground can hide.
      await answer.getByText(/hide reasoning/i).first().waitFor();
      const text = await answer.innerText();
      await playground.keepScreenshot(`ui-agent-reasoning${endpoint === '/v1/responses' ? '-responses' : ''}.png`);
      expect(text).toMatch(/pg_execute_query \{"operation":"select","query":"SELECT item, amount FROM ui_orders ORDER BY id"\} → Query executed successfully\. Retrieved 2 rows\./);
    });
    // The LLM answered from the real rows, which it got as the tool's result.
    const second = llm.requests[asked + 1] as { messages: { role: string; content: string }[] };
    const rows = second.messages.find((message) => message.role === 'tool')!.content;
    expect(rows).toContain('| widget | 3 |');
    expect(rows).toContain('| gadget | 5 |');
    expect(offLoopback).toEqual([]);
  }, 120_000);

  test("with /v1/responses and the playground's default settings, an agent holds a conversation of three messages: its LLM gets the earlier turns each time", async () => {
    const sent = recordPosts('/responses');
    const asked = llm.requests.length;
    const all = { operation: 'select', query: 'SELECT item, amount FROM ui_sales ORDER BY id' };
    const over15 = { operation: 'select', query: 'SELECT item, amount FROM ui_sales WHERE amount > 15 ORDER BY id' };
    llm.reply(
      { toolCalls: [{ name: 'pg_execute_query', arguments: all }] },
      { text: 'There are three orders: widget 10, gadget 20, gizmo 30.' },
      { toolCalls: [{ name: 'pg_execute_query', arguments: over15 }] },
      { text: 'Over 15: gadget 20 and gizmo 30.' },
      { text: 'That was 2 orders.' },
    );
    const answered = (text: string) => async (answer: Locator) => {
      await answer.getByText(text).waitFor();
    };
    await ask('/v1/responses', 'orders-analyst', 'show me all orders', answered('There are three orders: widget 10, gadget 20, gizmo 30.'));
    await ask('/v1/responses', 'orders-analyst', 'only the ones over 15', answered('Over 15: gadget 20 and gizmo 30.'), { sameChat: true });
    await ask('/v1/responses', 'orders-analyst', 'how many was that?', answered('That was 2 orders.'), { sameChat: true });
    const screenshot = await playground.keepScreenshot('ui-agent-conversation.png', { fullPage: true });
    console.log(`screenshot of the three-message conversation: ${screenshot}`);

    // The playground kept the context on the gateway: from the second message on it sent only the new
    // message and the last response's id (as LiteLLM rewrote it).
    expect(sent).toHaveLength(3);
    const [, second, third] = sent as { input: unknown; previous_response_id?: string }[];
    for (const [body, text] of [[second!, 'only the ones over 15'], [third!, 'how many was that?']] as const) {
      expect(body.previous_response_id).toMatch(/^resp_/);
      expect(JSON.stringify(body.input)).toContain(text);
      expect(JSON.stringify(body.input)).not.toContain('show me all orders');
    }

    // What the agent's LLM received: each turn with everything before it, tool results from the real rows.
    type Asked = { messages: { role: string; content: string | null; tool_calls?: unknown[] }[] };
    const turns = (llm.requests.slice(asked) as unknown as Asked[]).map((request) => request.messages.map((message) => (message.tool_calls ? 'tool calls' : message.content)));
    expect(turns).toHaveLength(5);
    const firstResult = turns[1]![2]!;
    expect(firstResult).toContain('| gizmo | 30 |');
    expect(turns[2]).toEqual(['show me all orders', 'tool calls', firstResult, 'There are three orders: widget 10, gadget 20, gizmo 30.', 'only the ones over 15']);
    const secondResult = turns[3]![6]!;
    expect(secondResult).toContain('| gadget | 20 |');
    expect(secondResult).toContain('| gizmo | 30 |');
    expect(secondResult).not.toContain('widget');
    expect(turns[4]).toEqual([...turns[3]!, 'Over 15: gadget 20 and gizmo 30.', 'how many was that?']);
    // The answer the LLM gave is what the rows say.
    expect(await psqlRows(over15.query)).toHaveLength(2);
    expect(offLoopback).toEqual([]);
  }, 180_000);
});
