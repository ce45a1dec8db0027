import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import YAML from 'yaml';
import type { RunningShim } from '../../src/server.js';
import { startTestShim, stdioTestServer } from '../helpers/shim.js';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

interface Entry {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
}

describe('LiteLLM model_list snippets', () => {
  let shim: RunningShim;
  beforeAll(async () => {
    shim = await startTestShim({ db: stdioTestServer() });
  });
  afterAll(() => shim.close());

  test('GET /litellm/config.yaml: one entry per tool, pointing at /tools/<tool>, with the safety settings', async () => {
    const res = await request(shim.url).get('/litellm/config.yaml').query({ base_url: 'http://shim.internal:8080/', api_key_env: 'SHIM_KEY' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/yaml/);
    const config = YAML.parse(res.text) as { model_list: Entry[]; general_settings: Record<string, unknown> };
    expect(config.model_list.map((entry) => entry.model_name)).toEqual(['add', 'crash', 'echo', 'fail', 'image', 'pg_execute_query', 'pid', 'slow']);
    const query = config.model_list.find((entry) => entry.model_name === 'pg_execute_query')!;
    expect(query.litellm_params).toEqual({
      model: 'openai/pg_execute_query',
      api_base: 'http://shim.internal:8080/tools/pg_execute_query',
      api_key: 'os.environ/SHIM_KEY',
      num_retries: 0,
      max_retries: 0,
      timeout: 600,
      stream_timeout: 600,
      cooldown_time: 0,
    });
    expect(query.model_info).toEqual({
      mode: 'chat',
      description: 'Execute a read-only SQL query',
      cooldown_time: 0,
      supports_reasoning: true,
      disable_background_health_check: true,
      health_check_model: 'openai/__mcp_model_shim_health_check__',
    });
    expect(config.general_settings).toEqual({ health_check_skip_disabled_background_models: true });
  });

  test('tools are filtered by glob; the base URL defaults to the request host', async () => {
    const res = await request(shim.url).get('/litellm/config.yaml').query({ tools: 'p*' });
    const config = YAML.parse(res.text) as { model_list: Entry[] };
    expect(config.model_list.map((entry) => entry.model_name)).toEqual(['pg_execute_query', 'pid']);
    expect(config.model_list[0]!.litellm_params.api_base).toBe(`${shim.url}/tools/pg_execute_query`);
    expect(config.model_list[0]!.litellm_params.api_key).toBe('dummy-key');
  });

  test('base_url repeats for replicas: one deployment per replica, each taken out of rotation on its first failure', async () => {
    const res = await request(shim.url).get('/litellm/config.yaml?tools=pg_execute_query&base_url=http://a:1&base_url=http://b:2');
    const config = YAML.parse(res.text) as { model_list: Entry[] };
    expect(config.model_list.map((entry) => entry.litellm_params.api_base)).toEqual(['http://a:1/tools/pg_execute_query', 'http://b:2/tools/pg_execute_query']);
    // pg_execute_query is read-only in the test server: retried onto the other replica.
    expect(config.model_list.map((entry) => entry.litellm_params.num_retries)).toEqual([2, 2]);
    expect(config.model_list[0]!.model_info).toMatchObject({ cooldown_time: 10, allowed_fails_policy: { InternalServerErrorAllowedFails: 0 } });
  });

  test('the snippets command prints the same, as YAML or JSON', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'shim-snippets-'));
    const run = (args: string[]) => promisify(execFile)(process.execPath, [CLI, 'snippets', ...args], { cwd });
    const json = JSON.parse((await run(['--format', 'json', '--tools', 'get-*', '--base-url', 'http://x:1'])).stdout) as { model_list: Entry[] };
    expect(json.model_list.map((entry) => entry.model_name)).toEqual(['get-annotated-message', 'get-structured-content', 'get-sum', 'get-tiny-image']);
    expect(json.model_list[2]!.litellm_params.api_base).toBe('http://x:1/tools/get-sum');
    // The committed example is what the generator prints for the embedded default.
    const yaml = (await run(['--base-url', 'http://mcp-model-shim:8080'])).stdout;
    expect(yaml).toBe(readFileSync(path.join(ROOT, 'litellm-snippets/generated-example.yaml'), 'utf8'));
    // Replicas: one deployment per base URL under each model_name, for LiteLLM to balance.
    const replicas = YAML.parse((await run(['--tools', 'get-sum', '--base-url', 'http://a:1', '--base-url', 'http://b:2/'])).stdout) as { model_list: Entry[] };
    expect(replicas.model_list.map((entry) => [entry.model_name, entry.litellm_params.api_base])).toEqual([
      ['get-sum', 'http://a:1/tools/get-sum'],
      ['get-sum', 'http://b:2/tools/get-sum'],
    ]);
    await expect(run(['--format', 'toml'])).rejects.toMatchObject({ stderr: expect.stringContaining('must be yaml or json') });
  });
});
