import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import type { ShimConfig } from '../../src/config/types.js';
import { HEALTH_CHECK_MODEL } from '../../src/openai/health-probe.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { TEST_SERVER } from '../fixtures/rest-adapter.js';
import { eventually } from '../helpers/shim.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';

describe('a config reload seen through the real LiteLLM', () => {
  let dir: string;
  let file: string;
  let shim: RunningShim;
  let litellm: LiteLLM;
  let openai: OpenAI;
  const config = (include: string[]): ShimConfig => ({
    server: { host: '127.0.0.1', port: 0 },
    mcpServers: { db: { command: process.execPath, args: [TEST_SERVER], tools: { include } } },
  });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'shim-reload-e2e-'));
    file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config(['echo'])));
    shim = await startShim(config(['echo']), { host: '127.0.0.1', port: 0, configFile: file });
    litellm = await startLiteLLM({
      model_list: [
        { model_name: 'echo', litellm_params: { model: 'openai/echo', api_base: `${shim.url}/tools/echo`, api_key: 'dummy-key' } },
        // The generated wildcard entry: LiteLLM asks the shim's /v1/models for the tools.
        {
          model_name: 'shim/*',
          litellm_params: { model: 'openai/*', api_base: `${shim.url}/v1`, api_key: 'dummy-key' },
          model_info: { health_check_model: `openai/${HEALTH_CHECK_MODEL}` },
        },
      ],
      litellm_settings: { check_provider_endpoint: true },
    });
    openai = new OpenAI({ baseURL: litellm.url, apiKey: litellm.masterKey, maxRetries: 0 });
  }, 180_000);

  afterAll(async () => {
    await litellm?.stop();
    await shim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ids = async () => (await openai.models.list()).data.map((model) => model.id);

  // LiteLLM's own /v1/models keeps the wildcard's listing (see docs/litellm.md): the new tool is
  // callable through the wildcard at once, and listed there only once that cache expires.
  test('calls of an unchanged tool through LiteLLM all answer during a reload; the new tool answers through the wildcard at once', async () => {
    expect(await ids()).not.toContain('shim/add');
    let stop = false;
    const statuses: number[] = [];
    const calls = (async () => {
      while (!stop) {
        const completion = await openai.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'during' }] }).catch((err: { status?: number }) => err);
        statuses.push('choices' in completion && completion.choices[0]!.message.content === 'echo: during' ? 200 : ((completion as { status?: number }).status ?? 0));
      }
    })();
    try {
      await eventually(() => statuses.length >= 3, 30_000);
      writeFileSync(file, JSON.stringify(config(['echo', 'add'])));
      const reloadedAt = statuses.length;
      expect((await shim.reload()).upstreams.kept).toEqual(['db']);
      await eventually(() => statuses.length >= reloadedAt + 5, 30_000);
    } finally {
      stop = true;
      await calls;
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    const sum = await openai.chat.completions.create({ model: 'shim/add', messages: [{ role: 'user', content: '{"a": 2, "b": 3}' }] });
    expect(sum.choices[0]!.message.content).toContain('5');
  }, 60_000);

});
