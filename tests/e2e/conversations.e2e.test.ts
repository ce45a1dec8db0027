import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import YAML from 'yaml';
import { TEST_SERVER } from '../fixtures/rest-adapter.js';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { exited, serveProcess, type ServeProcess } from '../helpers/serve-process.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const AGENT = 'analyst';

type Asked = { messages: { role: string; content: string | null; tool_calls?: unknown[] }[] };

/** Two replicas of the shim with one agent, `state` as given, and the LiteLLM config `snippets` makes for them. */
async function startReplicas(llm: ScriptedLlm, state: object): Promise<{ replicas: ServeProcess[]; snippets: Record<string, unknown>; stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-conversations-'));
  const config = path.join(dir, 'mcp-model-shim.yaml');
  writeFileSync(
    config,
    YAML.stringify({
      mcpServers: { db: { command: process.execPath, args: [TEST_SERVER] } },
      llm: { baseUrl: llm.baseUrl, model: 'gpt-test' },
      agents: { [AGENT]: { tools: ['pg_*'] } },
      state,
    }),
  );
  const replicas = [await serveProcess(CLI, ['--config', config, '--port', '0'], dir), await serveProcess(CLI, ['--config', config, '--port', '0'], dir)];
  const baseUrls = replicas.flatMap((replica) => ['--base-url', replica.url]);
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'snippets', '--config', config, '--tools', AGENT, ...baseUrls, '--format', 'json'], { cwd: dir });
  return {
    replicas,
    snippets: JSON.parse(stdout) as Record<string, unknown>,
    async stop() {
      for (const replica of replicas) {
        replica.child.kill('SIGTERM');
        await exited(replica.child);
      }
    },
  };
}

/** How many agent calls each replica has logged so far. */
function served(replicas: ServeProcess[]): number[] {
  return replicas.map((replica) => replica.logs().split('\n').filter((line) => line.includes('"message":"request"') && line.includes(`"path":"/tools/${AGENT}/responses"`)).length);
}

/** Sends one message through LiteLLM and says which replica answered it. */
async function say(client: OpenAI, replicas: ServeProcess[], input: string, previous?: string): Promise<{ id: string; text: string; replica: number }> {
  const before = served(replicas);
  const response = await client.responses.create({ model: AGENT, input, ...(previous ? { previous_response_id: previous } : {}) });
  // The request's log line is written when its response ends: wait for it.
  for (let i = 0; i < 100 && served(replicas).every((count, r) => count === before[r]); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  const after = served(replicas);
  const replica = after.findIndex((count, r) => count > before[r]!);
  expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(1);
  return { id: response.id, text: response.output_text, replica };
}

describe('conversations with an agent behind LiteLLM, two replicas', () => {
  let llm: ScriptedLlm;
  beforeEach(async () => {
    llm = await startScriptedLlm();
  });
  afterEach(() => llm?.close());

  test('sharing Redis: a conversation continues when its next message lands on the other replica', async () => {
    const redis: RedisServer = await startRedis();
    const shims = await startReplicas(llm, { redisUrl: redis.url });
    // The model_list pasted alone: LiteLLM spreads every message over the replicas at random.
    const litellm: LiteLLM = await startLiteLLM({ model_list: shims.snippets.model_list });
    try {
      const client = new OpenAI({ baseURL: `${litellm.url}/v1`, apiKey: litellm.masterKey, maxRetries: 0 });
      let moved = 0;
      for (let c = 0; c < 20; c += 1) {
        llm.requests.length = 0;
        llm.reply({ toolCalls: [{ name: 'pg_execute_query', arguments: { operation: 'select', query: `SELECT ${c}` } }] }, { text: `first answer ${c}` }, { text: `second answer ${c}` });
        const first = await say(client, shims.replicas, `question ${c}`);
        const second = await say(client, shims.replicas, `follow-up ${c}`, first.id);
        expect([first.text, second.text]).toEqual([`first answer ${c}`, `second answer ${c}`]);
        // The second message's LLM call carried the first turn, tool call and result included.
        const carried = (llm.requests[2] as Asked).messages.map((message) => (message.tool_calls ? 'tool calls' : message.content));
        expect(carried).toEqual([`question ${c}`, 'tool calls', expect.stringContaining(`SELECT ${c}`), `first answer ${c}`, `follow-up ${c}`]);
        if (second.replica !== first.replica) moved += 1;
      }
      // At random, half of them; none at all would mean LiteLLM never moved one (2^-20).
      expect(moved).toBeGreaterThan(0);
      // What was said and stored never reaches the log.
      for (const replica of shims.replicas) expect(replica.logs()).not.toMatch(/question \d|follow-up|first answer|second answer|SELECT \d/);
      console.log(`Redis: 20 conversations, ${moved} continued on the other replica`);
    } finally {
      await litellm.stop();
      await shims.stop();
      await redis.stop();
    }
  }, 180_000);

  test('in memory, with the generated snippets: every message of a conversation lands on the replica that holds it', async () => {
    const shims = await startReplicas(llm, {});
    // The whole snippet: its router_settings pin a previous_response_id to the deployment that made it.
    const litellm: LiteLLM = await startLiteLLM(shims.snippets);
    try {
      const client = new OpenAI({ baseURL: `${litellm.url}/v1`, apiKey: litellm.masterKey, maxRetries: 0 });
      const homes: number[] = [];
      for (let c = 0; c < 4; c += 1) {
        llm.requests.length = 0;
        let previous: string | undefined;
        const replicas: number[] = [];
        for (let m = 0; m < 5; m += 1) {
          llm.reply({ text: `answer ${c}.${m}` });
          const answer = await say(client, shims.replicas, `message ${c}.${m}`, previous);
          expect(answer.text).toBe(`answer ${c}.${m}`);
          replicas.push(answer.replica);
          previous = answer.id;
          // Everything before it, every time.
          const carried = (llm.requests[m] as Asked).messages.map((message) => message.content);
          expect(carried).toEqual(Array.from({ length: m + 1 }, (_, i) => [`message ${c}.${i}`, `answer ${c}.${i}`]).flat().slice(0, 2 * m + 1));
        }
        expect(replicas).toEqual(Array(5).fill(replicas[0]));
        homes.push(replicas[0]!);
        // LiteLLM sends GET and DELETE to the deployment that made the response, under its api_base.
        expect((await client.responses.retrieve(previous!)).output_text).toBe(`answer ${c}.4`);
        await client.responses.delete(previous!);
        await expect(client.responses.retrieve(previous!)).rejects.toMatchObject({ status: 404 });
      }
      console.log(`memory + affinity: 4 conversations of 5 messages, each on one replica (replicas ${homes.join(', ')})`);
    } finally {
      await litellm.stop();
      await shims.stop();
    }
  }, 180_000);
});
