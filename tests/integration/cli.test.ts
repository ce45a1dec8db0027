import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { TEST_SERVER } from '../fixtures/rest-adapter.js';
import { exited, serveProcess } from '../helpers/serve-process.js';
import { SEED_ARGUMENTS } from '../helpers/shim.js';

// The built CLI, exactly as users run it (`npm test` builds first).
const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const run = promisify(execFile);

/** A folder without mcp-model-shim.yaml, so the embedded default applies. */
const emptyDir = () => mkdtempSync(path.join(tmpdir(), 'shim-cli-'));

function configFile(text: string): string {
  const file = path.join(emptyDir(), 'mcp-model-shim.yaml');
  writeFileSync(file, text);
  return file;
}

const testServerConfig = () =>
  configFile(`mcpServers:\n  db:\n    command: ${JSON.stringify(process.execPath)}\n    args: [${JSON.stringify(TEST_SERVER)}]\n`);

async function cli(args: string[], cwd = emptyDir(), env: NodeJS.ProcessEnv = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const { code, stdout, stderr } = err as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const serve = (args: string[], cwd = emptyDir(), env: NodeJS.ProcessEnv = {}) => serveProcess(CLI, args, cwd, env);

describe('the mcp-model-shim command', () => {
  test('tools --json lists the embedded default: harmless tools only', async () => {
    const { code, stdout } = await cli(['tools', '--json']);
    expect(code).toBe(0);
    const tools = JSON.parse(stdout) as { name: string; upstream: string }[];
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    expect(tools.map((t) => t.name)).not.toContain('get-env');
    expect(tools.every((t) => t.upstream === 'everything')).toBe(true);
  });

  test('tools prints a table of name, upstream and description', async () => {
    const { code, stdout } = await cli(['tools', '--config', testServerConfig()]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^TOOL\s+UPSTREAM\s+DESCRIPTION$/);
    expect(stdout).toMatch(/^pg_execute_query\s+db\s+Execute a read-only SQL query$/m);
  });

  test('call sends TEXT through the same message rules and prints the answer', async () => {
    const seed = await cli(['call', 'pg_execute_query', JSON.stringify(SEED_ARGUMENTS), '--config', testServerConfig()]);
    expect(seed.code).toBe(0);
    // Rendered for people: the tool's JSON answer as a fenced block; --json prints it for programs.
    expect(seed.stdout).toBe(`\`\`\`json\n${JSON.stringify({ received: SEED_ARGUMENTS }, null, 2)}\n\`\`\`\n`);
    const json = await cli(['call', 'pg_execute_query', JSON.stringify(SEED_ARGUMENTS), '--json', '--config', testServerConfig()]);
    expect(JSON.parse(json.stdout)).toEqual({ received: SEED_ARGUMENTS });
    const plain = await cli(['call', 'echo', 'hello world']);
    expect(plain).toMatchObject({ code: 0, stdout: 'Echo: hello world\n' });
  });

  test('call exits non-zero on bad arguments, an unknown tool, or a tool error', async () => {
    const config = testServerConfig();
    const bad = await cli(['call', 'pg_execute_query', 'SELECT 1', '--config', config]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid arguments for tool "pg_execute_query"');
    const unknown = await cli(['call', 'ecoh', 'x', '--config', config]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Did you mean "echo"?');
    const failed = await cli(['call', 'fail', '', '--config', config]);
    expect(failed).toMatchObject({ code: 1, stdout: 'the database said no\n' });
  });

  test('a bad config stops with a message naming the path', async () => {
    const file = configFile('mcpServers:\n  files:\n    comand: npx\n');
    const { code, stderr } = await cli(['tools', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`configuration error: ${file}: `);
    expect(stderr).toContain('mcpServers.files: unknown key "comand"');
    expect(stderr).toContain('mcpServers.files: missing required key "command"');
  });

  test('./mcp-model-shim.yaml is used when present', async () => {
    const dir = path.dirname(testServerConfig());
    const { stdout } = await cli(['tools', '--json'], dir);
    expect(JSON.parse(stdout).map((t: { upstream: string }) => t.upstream)).toContain('db');
  });

  // The README's quick start runs in docs.test.ts, through `npm start`.
  test('serve answers on the embedded default, and stops on SIGTERM', async () => {
    const { url, child } = await serve(['--port', '0']);
    try {
      const res = await request(url).post('/tools/echo/chat/completions').send({ messages: [{ role: 'user', content: 'Hello from LiteLLM' }] });
      expect(res.body.object).toBe('chat.completion');
      expect(res.body.choices[0].message.content).toBe('Echo: Hello from LiteLLM');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited(child)).toBe(0);
  });

  test('serve takes HOST and PORT from the environment; flags win', async () => {
    const fromEnv = await serve([], emptyDir(), { HOST: '127.0.0.1', PORT: '0' });
    try {
      expect(fromEnv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(fromEnv.url).not.toMatch(/:8080$/);
      expect((await request(fromEnv.url).get('/health')).body.status).toBe('ok');
    } finally {
      fromEnv.child.kill('SIGINT');
    }
    expect(await exited(fromEnv.child)).toBe(0);
    const fromFlag = await serve(['--port', '0', '--host', '127.0.0.1'], emptyDir(), { PORT: 'not-a-port', HOST: 'not-a-host' });
    expect(fromFlag.logs()).toMatch(/"hostFrom":"command line".*"portFrom":"command line"/);
    fromFlag.child.kill('SIGTERM');
    expect(await exited(fromFlag.child)).toBe(0);
  });

  test("a config file's server.host and server.port beat HOST and PORT, and the log says where each came from", async () => {
    const config = configFile('server:\n  host: 127.0.0.1\n  port: 0\nmcpServers: {}\n');
    const shim = await serve(['--config', config], emptyDir(), { HOST: 'not-a-host', PORT: '1' });
    try {
      expect(shim.logs()).toMatch(/"hostFrom":"config file".*"portFrom":"config file"/);
      expect((await request(shim.url).get('/health')).status).toBe(200);
    } finally {
      shim.child.kill('SIGTERM');
    }
    expect(await exited(shim.child)).toBe(0);
    const bad = await cli(['serve', '--config', configFile('mcpServers: {}\n')], emptyDir(), { PORT: 'eighty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('PORT must be a port number (0-65535), got "eighty"');
  });

  test('healthcheck finds the port serve bound through MCP_SHIM_ADDRESS_FILE, and fails once it is gone', async () => {
    const env = { MCP_SHIM_ADDRESS_FILE: path.join(emptyDir(), 'address'), PORT: '0' };
    const shim = await serve([], emptyDir(), env);
    try {
      expect(readFileSync(env.MCP_SHIM_ADDRESS_FILE, 'utf8').trim()).toBe(shim.url);
      const healthy = await cli(['healthcheck'], emptyDir(), env);
      expect(healthy).toMatchObject({ code: 0, stdout: `${shim.url}/health: ok\n` });
      // A successful probe is no news: it logs at debug, so the info log shows only real traffic.
      expect(shim.logs()).not.toContain('"path":"/health"');
    } finally {
      shim.child.kill('SIGTERM');
    }
    expect(await exited(shim.child)).toBe(0);
    const down = await cli(['healthcheck', '--timeout', '2'], emptyDir(), env);
    expect(down.code).toBe(1);
    // The file is removed at exit, so the probe falls back to PORT and finds nobody there.
    expect(down.stderr).toMatch(/^mcp-model-shim: http:\/\/127\.0\.0\.1:0\/health: connect ECONNREFUSED/);
  });
});
