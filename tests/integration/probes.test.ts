import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startShim, type RunningShim } from '../../src/server.js';
import { TEST_SERVER } from '../fixtures/rest-adapter.js';
import { exited, serveProcess } from '../helpers/serve-process.js';
import { eventually } from '../helpers/shim.js';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const run = promisify(execFile);

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { status: string; upstreams: Record<string, { state: string; tools: number }> } };
};

const chat = (content: string) => ({ method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content }] }) });

/**
 * The test MCP server behind a switch: while the file `up` exists in `dir` the command runs the
 * server, else it exits at once, as a server whose database is gone would.
 */
function switchableServer() {
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-probes-'));
  const up = path.join(dir, 'up');
  const script = `test -f ${JSON.stringify(up)} && exec ${JSON.stringify(process.execPath)} ${JSON.stringify(TEST_SERVER)}; exit 3`;
  return {
    dir,
    config: { command: 'sh', args: ['-c', script] },
    set(on: boolean) {
      if (on) writeFileSync(up, '');
      else rmSync(up, { force: true });
    },
  };
}

describe('/health is liveness, /ready is readiness', () => {
  let shim: RunningShim;
  const server = switchableServer();
  beforeAll(async () => {
    server.set(false);
    shim = await startShim({ server: { host: '127.0.0.1', port: 0 }, mcpServers: { db: server.config } }, { host: '127.0.0.1', port: 0 });
  });
  afterAll(() => shim.close());

  test('with the only upstream down: /ready 503 and /health 200, both naming it', async () => {
    const ready = await get(`${shim.url}/ready`);
    const health = await get(`${shim.url}/health`);
    expect(ready.status).toBe(503);
    expect(health.status).toBe(200);
    expect(ready.body).toEqual(health.body);
    expect(ready.body).toMatchObject({ status: 'degraded', upstreams: { db: { state: 'down', tools: 0 } } });
  });

  test('once it connects: /ready 200, and its tools are served', async () => {
    server.set(true);
    await eventually(async () => (await get(`${shim.url}/ready`)).status === 200, 60_000);
    expect((await get(`${shim.url}/ready`)).body).toMatchObject({ status: 'ok', upstreams: { db: { state: 'ready' } } });
    const res = await fetch(`${shim.url}/tools/echo/chat/completions`, chat('back'));
    expect(res.status).toBe(200);
  });

  test('when it dies again: /ready 503 until it is back, /health 200 throughout', async () => {
    server.set(false);
    // The crash tool ends the server process mid-call; its restarts fail while the switch is off.
    await fetch(`${shim.url}/tools/crash/chat/completions`, chat(''));
    await eventually(async () => (await get(`${shim.url}/ready`)).status === 503);
    expect((await get(`${shim.url}/health`)).status).toBe(200);
    server.set(true);
    await eventually(async () => (await get(`${shim.url}/ready`)).status === 200, 60_000);
  });
});

test('with API keys, both probes answer without one', async () => {
  const shim = await startShim(
    { server: { host: '127.0.0.1', port: 0, apiKeys: ['probe-test-key'] }, mcpServers: { db: { command: process.execPath, args: [TEST_SERVER] } } },
    { host: '127.0.0.1', port: 0 },
  );
  try {
    expect((await fetch(`${shim.url}/ready`)).status).toBe(200);
    expect((await fetch(`${shim.url}/health`)).status).toBe(200);
    expect((await fetch(`${shim.url}/v1/models`)).status).toBe(401);
  } finally {
    await shim.close();
  }
});

test('during shutdown /ready answers 503 while the listener still serves, then the listener closes', async () => {
  const shim = await startShim(
    { server: { host: '127.0.0.1', port: 0, shutdownDelaySeconds: 2 }, mcpServers: { db: { command: process.execPath, args: [TEST_SERVER] } } },
    { host: '127.0.0.1', port: 0 },
  );
  expect((await get(`${shim.url}/ready`)).status).toBe(200);
  const closed = shim.close();
  const ready = await get(`${shim.url}/ready`);
  expect(ready).toMatchObject({ status: 503, body: { status: 'shutting-down', upstreams: { db: { state: 'ready' } } } });
  expect((await get(`${shim.url}/health`)).status).toBe(200);
  // Calls a balancer still sends meanwhile are served.
  const call = await fetch(`${shim.url}/tools/echo/chat/completions`, chat('late'));
  expect(call.status).toBe(200);
  await closed;
  await expect(fetch(`${shim.url}/ready`)).rejects.toThrow();
});

test('healthcheck --ready fails while the only upstream is down; healthcheck (liveness) passes', async () => {
  const server = switchableServer();
  const config = path.join(server.dir, 'config.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { db: server.config } }));
  const shim = await serveProcess(CLI, ['--config', config, '--port', '0'], server.dir);
  const healthcheck = (...args: string[]) =>
    run(process.execPath, [CLI, 'healthcheck', '--url', shim.url, ...args]).then(
      ({ stdout }) => ({ code: 0, output: stdout }),
      (err: { code: number; stderr: string }) => ({ code: err.code, output: err.stderr }),
    );
  try {
    expect(existsSync(path.join(server.dir, 'up'))).toBe(false);
    expect(await healthcheck()).toEqual({ code: 0, output: `${shim.url}/health: degraded\n` });
    expect(await healthcheck('--ready')).toEqual({ code: 1, output: `mcp-model-shim: ${shim.url}/ready answered 503 (degraded)\n` });
  } finally {
    shim.child.kill('SIGTERM');
  }
  expect(await exited(shim.child)).toBe(0);
});
