import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { startRestAdapter, TEST_SERVER, type RestAdapter } from '../fixtures/rest-adapter.js';
import { exited, serveProcess, type ServeProcess } from '../helpers/serve-process.js';
import { eventually } from '../helpers/shim.js';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const USER_KEY = 'user-key-0001';
const ADMIN_KEY = 'admin-key-0001';

const stdio = (extra: Record<string, unknown> = {}) => ({ command: process.execPath, args: [TEST_SERVER], ...extra });

/** A chat call of `tool` with `key`: the status and the answer's text. */
async function ask(shim: { url: string }, tool: string, content: string, key = USER_KEY): Promise<{ status: number; text: string }> {
  const res = await fetch(`${shim.url}/tools/${tool}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: tool, messages: [{ role: 'user', content }] }),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { message: string } };
  return { status: res.status, text: body.choices?.[0]?.message.content ?? body.error?.message ?? '' };
}

/** The operations of the OpenAPI document the user key sees. */
async function openapiPaths(shim: { url: string }): Promise<string[]> {
  const document = (await (await fetch(`${shim.url}/openapi.json`, { headers: { authorization: `Bearer ${USER_KEY}` } })).json()) as { paths: object };
  return Object.keys(document.paths);
}

function adminReload(shim: { url: string }, key = ADMIN_KEY) {
  return fetch(`${shim.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
}

describe('reloading the config of a running shim', () => {
  let dir: string;
  let file: string;
  let adapter: RestAdapter;
  let shim: RunningShim;
  let base: ShimConfig;

  /** Writes `config` as the config file, as an editor would: a new file renamed over the old one. */
  function write(config: object): void {
    const temp = path.join(dir, `.config.${Math.random()}.json`);
    writeFileSync(temp, JSON.stringify(config));
    renameSync(temp, file);
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'shim-reload-'));
    file = path.join(dir, 'config.json');
    adapter = await startRestAdapter();
    base = {
      server: { host: '127.0.0.1', port: 0, shutdownGraceSeconds: 5, apiKeys: [USER_KEY, { name: 'ops', key: ADMIN_KEY, admin: true }] },
      mcpServers: { local: stdio(), rest: { type: 'rest', url: adapter.url, prefix: 'rest_' } },
    };
    write(base);
    shim = await startShim(base, { host: '127.0.0.1', port: 0, configFile: file });
  });
  afterAll(async () => {
    await shim?.close();
    await adapter?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('under steady load, five reloads fail no call on the unchanged servers and keep their processes', async () => {
    const pid = (await ask(shim, 'pid', '{}')).text;
    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    const worker = async (tool: string) => {
      while (!stop) {
        const { status, text } = await ask(shim, tool, '{"message": "steady"}');
        if (status !== 200 || !text.includes('echo: steady')) failures.push(`${tool}: ${status} ${text}`);
        answered += 1;
      }
    };
    const load = Array.from({ length: 16 }, (_, i) => worker(i % 2 ? 'echo' : 'rest_echo'));
    try {
      // 1. A third server: its tools answer within 2 s.
      write({ ...base, mcpServers: { ...base.mcpServers, third: stdio({ prefix: 'third_', env: { SUITE_TOOLS: '1' } }) } });
      const added = await shim.reload();
      expect(added.upstreams).toEqual({ added: ['third'], removed: [], replaced: [], kept: ['local', 'rest'] });
      await eventually(async () => (await ask(shim, 'third_echo', '{"message": "hi"}')).status === 200, 2000);
      expect(await openapiPaths(shim)).toContain('/openapi/third_echo');

      // 2. A tool policy: pinned arguments apply to calls after the reload.
      const withThird = { ...base, mcpServers: { ...base.mcpServers, third: stdio({ prefix: 'third_', env: { SUITE_TOOLS: '1' } }) } };
      write({ ...withThird, tools: { pg_execute_query: { pin: { limit: 5 } } } });
      await shim.reload();
      expect((await ask(shim, 'pg_execute_query', '{"operation": "select", "query": "SELECT 1"}')).text).toContain('"limit": 5');

      // 3. A new key works at once; the old ones still do.
      const keys = [...base.server.apiKeys!, 'new-key-0001'];
      write({ ...withThird, server: { ...base.server, apiKeys: keys }, tools: { pg_execute_query: { pin: { limit: 5 } } } });
      await shim.reload();
      expect((await ask(shim, 'echo', '{"message": "x"}', 'new-key-0001')).status).toBe(200);

      // 4. The third server removed while a call on it runs: that call answers.
      const inFlight = ask(shim, 'third_slow_read', '{"ms": 800}');
      await new Promise((resolve) => setTimeout(resolve, 200));
      write({ ...base, server: { ...base.server, apiKeys: keys } });
      const removed = await shim.reload();
      expect(removed.upstreams).toEqual({ added: [], removed: ['third'], replaced: [], kept: ['local', 'rest'] });
      expect(await inFlight).toEqual({ status: 200, text: 'read after 800 ms' });
      expect((await ask(shim, 'third_echo', '{"message": "x"}')).status).toBe(404);
      expect(await openapiPaths(shim)).not.toContain('/openapi/third_echo');

      // 5. What a server exposes changes without a reconnect.
      write({ ...base, server: { ...base.server, apiKeys: keys }, mcpServers: { ...base.mcpServers, local: stdio({ timeoutSeconds: 30, tools: { exclude: ['crash'] } }) } });
      const exposure = await shim.reload();
      expect(exposure.upstreams.kept).toEqual(['local', 'rest']);
      expect((await ask(shim, 'crash', '{}')).status).toBe(404);
    } finally {
      stop = true;
      await Promise.all(load);
    }
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(100);
    expect((await ask(shim, 'pid', '{}')).text).toBe(pid);
  }, 60_000);

  test('a server reached differently is replaced: a new process answers, the old one is gone', async () => {
    write(base);
    await shim.reload();
    const before = (await ask(shim, 'pid', '{}')).text;
    write({ ...base, mcpServers: { ...base.mcpServers, local: stdio({ env: { REPLACED: '1' } }) } });
    const replaced = await shim.reload();
    expect(replaced.upstreams.replaced).toEqual(['local']);
    await eventually(async () => {
      const now = await ask(shim, 'pid', '{}');
      return now.status === 200 && now.text !== before;
    }, 5000);
    await eventually(() => {
      try {
        process.kill(Number(before), 0);
        return false;
      } catch {
        return true;
      }
    }, 8000);
  }, 30_000);

  test.each([
    ['a schema error', () => writeFileSync(file, JSON.stringify({ ...base, mcpServers: { local: stdio({ bogus: true }) } })), /mcpServers\.local: unknown key "bogus"/],
    ['a file that is not YAML', () => writeFileSync(file, '{ mcpServers: [unclosed'), /not valid YAML or JSON/],
    ['an unset variable', () => writeFileSync(file, JSON.stringify({ ...base, mcpServers: { local: stdio({ env: { TOKEN: '${NO_SUCH_VARIABLE_FOR_THE_SHIM}' } }) } })), /NO_SUCH_VARIABLE_FOR_THE_SHIM/],
    ['a port change', () => writeFileSync(file, JSON.stringify({ ...base, server: { ...base.server, port: 1 } })), /server\.port cannot change while the shim runs: restart it/],
    ['a change of the state store', () => writeFileSync(file, JSON.stringify({ ...base, state: { maxEntries: 5 } })), /^state cannot change while the shim runs: restart it/],
  ])('%s is refused: the running config stays, the admin route answers 400 with the reason', async (_what, breakIt, reason) => {
    write(base);
    await shim.reload();
    breakIt();
    await expect(shim.reload()).rejects.toThrow(reason);
    const res = await adminReload(shim);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('invalid_config');
    expect(body.error.message).toMatch(reason);
    expect(await ask(shim, 'echo', '{"message": "still"}')).toEqual({ status: 200, text: 'echo: still' });
  });

  test('the admin route: 403 for other keys, 401 without one, 200 with what changed', async () => {
    write(base);
    expect((await adminReload(shim, USER_KEY)).status).toBe(403);
    expect((await fetch(`${shim.url}/admin/reload`, { method: 'POST' })).status).toBe(401);
    const res = await adminReload(shim);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'reloaded', upstreams: { added: [], removed: [], replaced: [], kept: ['local', 'rest'] } });
  });

  test('metrics count reloads, and a removed tool has no series left', async () => {
    write({ ...base, mcpServers: { ...base.mcpServers, third: stdio({ prefix: 'third_' }) } });
    await shim.reload();
    await eventually(async () => (await ask(shim, 'third_echo', '{"message": "m"}')).status === 200, 5000);
    const scrape = async () => (await fetch(`${shim.url}/metrics`, { headers: { authorization: `Bearer ${USER_KEY}` } })).text();
    expect(await scrape()).toMatch(/mcp_shim_tool_calls_total\{tool="third_echo",upstream="third",outcome="success"\} 1/);
    write(base);
    await shim.reload();
    const text = await scrape();
    expect(text).not.toContain('tool="third_echo"');
    expect(text).toMatch(/mcp_shim_config_reloads_total\{result="success"\} \d+/);
    expect(text).toMatch(/mcp_shim_config_reloads_total\{result="failure"\} \d+/);
    expect(Number(/^mcp_shim_config_last_reload_success_timestamp_seconds (\S+)/m.exec(text)?.[1])).toBeGreaterThan(Date.now() / 1000 - 60);
  });
});

describe('reload triggers of `serve`', () => {
  let dir: string;
  let file: string;
  let serve: ServeProcess;

  const config = (extra: Record<string, unknown> = {}) => ({ mcpServers: { local: stdio(), ...extra } });
  const reloads = () => serve.logs().split('\n').filter((line) => line.includes('"message":"config reloaded"')).length;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'shim-watch-'));
    file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config()));
    serve = await serveProcess(CLI, ['--config', file, '--port', '0', '--watch'], dir);
  });
  afterEach(async () => {
    serve.child.kill('SIGTERM');
    await exited(serve.child);
    rmSync(dir, { recursive: true, force: true });
  });

  const toolIds = async () => ((await (await fetch(`${serve.url}/v1/models`)).json()) as { data: { id: string }[] }).data.map((model) => model.id);

  const refusals = (reason: RegExp) =>
    serve.logs().split('\n').filter((line) => line.includes('"message":"config reload refused; the running config stays"') && line.includes('"level":"error"') && reason.test(line)).length;

  test.each([
    ['a schema error', () => JSON.stringify(config({ bad: stdio({ bogus: true }) })), /unknown key \\"bogus\\"/],
    ['a file that is not YAML', () => '{ broken', /not valid YAML or JSON/],
    ['an unset variable', () => JSON.stringify(config({ bad: stdio({ env: { TOKEN: '${NO_SUCH_VARIABLE_FOR_THE_SHIM}' } }) })), /NO_SUCH_VARIABLE_FOR_THE_SHIM/],
  ])('%s is refused by --watch and by SIGHUP, logged at error, and changes nothing', async (_what, broken, reason) => {
    writeFileSync(file, broken());
    // --watch sees the edit first, then SIGHUP asks again.
    await eventually(() => refusals(reason) === 1, 3000);
    serve.child.kill('SIGHUP');
    await eventually(() => refusals(reason) === 2, 3000);
    expect(await toolIds()).toContain('echo');
    expect(await toolIds()).not.toContain('bad_echo');
    writeFileSync(file, JSON.stringify(config({ second: stdio({ prefix: 'second_' }) })));
    serve.child.kill('SIGHUP');
    await eventually(async () => (await toolIds()).includes('second_echo'), 5000);
  }, 20_000);

  test('--watch sees an edit and an atomic replace within 2 s; a burst of 20 edits in 1 s reloads at most twice', async () => {
    writeFileSync(file, JSON.stringify(config({ edited: stdio({ prefix: 'edited_' }) })));
    await eventually(async () => (await toolIds()).includes('edited_echo'), 2000);
    const temp = path.join(dir, 'new.json');
    writeFileSync(temp, JSON.stringify(config({ swapped: stdio({ prefix: 'swapped_' }) })));
    renameSync(temp, file);
    await eventually(async () => (await toolIds()).includes('swapped_echo'), 2000);
    await eventually(() => reloads() === 2, 2000);
    for (let edit = 0; edit < 20; edit += 1) {
      writeFileSync(file, JSON.stringify({ ...config({ swapped: stdio({ prefix: 'swapped_' }) }), server: { shutdownGraceSeconds: edit + 1 } }));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(reloads() - 2).toBeGreaterThanOrEqual(1);
    expect(reloads() - 2).toBeLessThanOrEqual(2);
  }, 30_000);
});
