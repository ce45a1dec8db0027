import { readdirSync, readFileSync } from 'node:fs';
import OpenAI from 'openai';
import type { RunningShim } from '../../src/server.js';
import { startTestShim } from '../helpers/shim.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';
import { PG_SERVER } from './postgres-shims.js';

const MIB = 1024 * 1024;

/** The field report's query, returning `rows` rows of about 1 KB each. */
const bigQuery = (rows: number) =>
  JSON.stringify({ operation: 'select', query: `SELECT i, repeat('x', 1000) AS pad FROM generate_series(1, ${rows}) i` });
const SMALL = JSON.stringify({ operation: 'select', query: 'SELECT 1 AS one' });

/** The process ids of the PostgreSQL MCP servers this test process started (through its shims). */
function pgServerPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(PG_SERVER);
      } catch {
        return false;
      }
    })
    .map(Number)
    .sort();
}

/** How many calls of the tool the shim saw, by outcome (its /metrics). */
async function callsSeen(shim: RunningShim, outcome: string): Promise<number> {
  const text = await (await fetch(`${shim.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('mcp_shim_tool_calls_total{') && row.includes('tool="pg_execute_query"') && row.includes(`outcome="${outcome}"`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const NOTE = /\[… result truncated to 1048576 of its (\d+) bytes \(maxResultBytes\)\]$/;

describe('large query results from the real PostgreSQL MCP server', () => {
  let shim: RunningShim;
  let limited: RunningShim;
  let litellm: LiteLLM;
  let viaLiteLLM: OpenAI;

  beforeAll(async () => {
    const databaseUrl = process.env.E2E_DATABASE_URL;
    if (!databaseUrl) throw new Error('E2E_DATABASE_URL is not set: run the e2e suite with `npm run test:e2e`');
    const postgres = { command: process.execPath, args: [PG_SERVER], env: { POSTGRES_CONNECTION_STRING: databaseUrl } };
    [shim, limited] = await Promise.all([startTestShim({ postgres }), startTestShim({ postgres: { ...postgres, maxMessageBytes: 4 * MIB } })]);
    // The field report's entry, unchanged but for the host: LiteLLM's own retries included.
    const entry = (name: string, target: RunningShim) => ({
      model_name: name,
      litellm_params: { model: 'openai/pg_execute_query', api_base: `${target.url}/tools/pg_execute_query`, api_key: 'dummy-key' },
    });
    litellm = await startLiteLLM({ model_list: [entry('pg_execute_query', shim), entry('limited/pg_execute_query', limited)] });
    viaLiteLLM = new OpenAI({ baseURL: litellm.url, apiKey: litellm.masterKey, maxRetries: 0 });
  }, 180_000);

  afterAll(async () => {
    await litellm?.stop();
    await Promise.all([shim?.close(), limited?.close()]);
  });

  const ask = (client: OpenAI, model: string, content: string) =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content }] }).then((completion) => completion.choices[0]!.message.content!);
  const direct = (target: RunningShim) => new OpenAI({ baseURL: `${target.url}/tools/pg_execute_query`, apiKey: 'dummy-key', maxRetries: 0 });

  test.each([12_000, 60_000])('%i rows of about 1 KB answer 200, cut with the note; the server process stays; a small query meanwhile answers', async (rows) => {
    const before = pgServerPids();
    expect(before).toHaveLength(2);
    const [big, small] = await Promise.all([
      ask(direct(shim), 'pg_execute_query', bigQuery(rows)),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => ask(direct(shim), 'pg_execute_query', SMALL)),
    ]);
    expect(Number(NOTE.exec(big)?.[1])).toBeGreaterThan(rows * 1000);
    expect(small).toContain('one');
    expect(pgServerPids()).toEqual(before);
  }, 120_000);

  test('through LiteLLM, the 12 MB query reaches the shim exactly once', async () => {
    const seen = await callsSeen(shim, 'success');
    const answer = await ask(viaLiteLLM, 'pg_execute_query', bigQuery(12_000));
    expect(answer).toMatch(NOTE);
    expect(await callsSeen(shim, 'success')).toBe(seen + 1);
  }, 120_000);

  test('over maxMessageBytes, through LiteLLM: 424 result_too_large, one call seen by the shim, the server and a concurrent call unharmed', async () => {
    const before = pgServerPids();
    const tooLarge = await callsSeen(limited, 'too_large');
    const [big, small] = await Promise.allSettled([
      ask(viaLiteLLM, 'limited/pg_execute_query', bigQuery(12_000)),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => ask(viaLiteLLM, 'limited/pg_execute_query', SMALL)),
    ]);
    expect(big.status).toBe('rejected');
    const error = (big as PromiseRejectedResult).reason as { status: number; message: string };
    expect(error.status).toBe(424);
    expect(error.message).toMatch(/answered tool "pg_execute_query" with a message of \d+ bytes, over its limit of 4194304 bytes \(maxMessageBytes\)/);
    expect(small.status).toBe('fulfilled');
    expect((small as PromiseFulfilledResult<string>).value).toContain('one');
    expect(await callsSeen(limited, 'too_large')).toBe(tooLarge + 1);
    expect(pgServerPids()).toEqual(before);
  }, 120_000);
});
