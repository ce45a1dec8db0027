import OpenAI from 'openai';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startScriptedLlm, type ScriptedLlm } from '../fixtures/scripted-llm.js';

export interface AgentShim {
  llm: ScriptedLlm;
  shim: RunningShim;
  /** The official openai client on the shim's `/v1`, with this API key. */
  client(apiKey?: string): OpenAI;
  close(): Promise<void>;
}

/** A shim on a free loopback port whose agents think with a fresh scripted LLM (model `gpt-test`). */
export async function startAgentShim(config: Omit<ShimConfig, 'llm' | 'server'> & { server?: ShimConfig['server']; timeoutSeconds?: number }): Promise<AgentShim> {
  const { server, timeoutSeconds, ...rest } = config;
  const llm = await startScriptedLlm();
  const shim = await startShim(
    { ...rest, server: { host: '127.0.0.1', port: 0, ...server }, llm: { baseUrl: llm.baseUrl, model: 'gpt-test', ...(timeoutSeconds ? { timeoutSeconds } : {}) } },
    { host: '127.0.0.1', port: 0 },
  );
  return {
    llm,
    shim,
    client: (apiKey = 'unused') => new OpenAI({ baseURL: `${shim.url}/v1`, apiKey, maxRetries: 0 }),
    async close() {
      await shim.close();
      await llm.close();
    },
  };
}
