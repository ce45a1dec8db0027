import OpenAI from 'openai';
import request from 'supertest';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startRestAdapter, TEST_SERVER, type RestAdapter, type ResultShape } from '../fixtures/rest-adapter.js';

/** The test MCP server over stdio, as a config entry. */
export function stdioTestServer(extra: Record<string, unknown> = {}) {
  return { command: process.execPath, args: [TEST_SERVER], ...extra };
}

/** A shim on a free loopback port. */
export function startTestShim(mcpServers: ShimConfig['mcpServers'], keepAliveMs?: number): Promise<RunningShim> {
  return startShim({ server: { host: '127.0.0.1', port: 0 }, mcpServers }, { host: '127.0.0.1', port: 0, keepAliveMs });
}

export interface ShimOverAdapter {
  adapter: RestAdapter;
  shim: RunningShim;
  close(): Promise<void>;
}

/** The REST adapter fixture, and a shim in front of it whose upstream is named "adapter". */
export async function startShimOverAdapter(shape: ResultShape = 'raw'): Promise<ShimOverAdapter> {
  const adapter = await startRestAdapter(shape);
  const shim = await startTestShim({ adapter: { type: 'rest', url: adapter.url } });
  return {
    adapter,
    shim,
    async close() {
      await shim.close();
      await adapter.close();
    },
  };
}

/** The official openai client pointed at a tool exactly as LiteLLM does: `api_base` = `/tools/<name>`. */
export function clientForTool(shim: RunningShim, tool: string): OpenAI {
  return new OpenAI({ baseURL: `${shim.url}/tools/${tool}`, apiKey: 'dummy-key', maxRetries: 0 });
}

/** The seed request's user message, from the field report. */
export const SEED_ARGUMENTS = { operation: 'select', query: 'SELECT 1' };

/** Polls until `check` holds (for background recovery), failing after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The assistant's answer through the official openai client, with LiteLLM's `api_base`. */
export async function ask(shim: RunningShim, tool: string, content: string): Promise<string | null> {
  const completion = await clientForTool(shim, tool).chat.completions.create({ model: tool, messages: [{ role: 'user', content }] });
  return completion.choices[0]!.message.content;
}

/** A streamed answer through the openai client: its content, and the reasoning deltas in order. */
export async function askStreaming(shim: RunningShim, tool: string, content: string) {
  const stream = await clientForTool(shim, tool).chat.completions.create({ model: tool, messages: [{ role: 'user', content }], stream: true });
  let text = '';
  const reasoning: string[] = [];
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
    text += delta?.content ?? '';
    if (delta?.reasoning_content) reasoning.push(delta.reasoning_content);
  }
  return { text, reasoning };
}

export const modelIds = async (shim: RunningShim): Promise<string[]> =>
  (await request(shim.url).get('/v1/models')).body.data.map((model: { id: string }) => model.id);

export const health = async (shim: RunningShim) => (await request(shim.url).get('/health')).body;
