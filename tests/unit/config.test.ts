import { secretsOf } from '../../src/secrets.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import type { StdioServerConfig } from '../../src/config/types.js';

/** The ConfigError message `fn` throws. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseConfig', () => {
  test('a YAML file loads; server host and port stay unset (bind-address.ts decides)', () => {
    const yaml = `
mcpServers:
  postgres:
    type: rest
    url: http://mcp-postgresql:8080
    headers: { Authorization: Bearer x }
    timeoutSeconds: 30
  files:
    command: npx
    args: ["-y", "@modelcontextprotocol/server-filesystem", "/data"]
    tools: { include: ["read_*"], exclude: ["*write*"] }
`;
    expect(parseConfig(yaml, {})).toEqual({
      server: {},
      mcpServers: {
        postgres: { type: 'rest', url: 'http://mcp-postgresql:8080', headers: { Authorization: 'Bearer x' }, timeoutSeconds: 30 },
        files: {
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'],
          tools: { include: ['read_*'], exclude: ['*write*'] },
        },
      },
    });
  });

  test('the state section: Redis from the environment, its password a secret; a URL that is not redis:// is refused', () => {
    const yaml = `
mcpServers: { fs: { command: npx } }
state: { redisUrl: "\${REDIS_URL}", maxEntries: 500, maxBytes: 1048576, ttlSeconds: 3600 }
`;
    const config = parseConfig(yaml, { REDIS_URL: 'redis://:s3cret-pass@redis:6379/0' });
    expect(config.state).toEqual({ redisUrl: 'redis://:s3cret-pass@redis:6379/0', maxEntries: 500, maxBytes: 1048576, ttlSeconds: 3600 });
    expect(secretsOf(config)).toContain('s3cret-pass');
    expect(configError(() => parseConfig('mcpServers: {}\nstate: { redisUrl: "http://redis:6379" }', {}))).toMatch(/state\.redisUrl/);
    expect(configError(() => parseConfig('mcpServers: {}\nstate: { maxEntries: 0 }', {}))).toMatch(/state\.maxEntries/);
  });

  test('a Claude Desktop style JSON file loads', () => {
    const json = JSON.stringify({ mcpServers: { fs: { command: 'npx', args: ['-y', 'server-fs'], env: { ROOT: '/tmp' } } } });
    expect(parseConfig(json, {})).toEqual({
      server: {},
      mcpServers: { fs: { command: 'npx', args: ['-y', 'server-fs'], env: { ROOT: '/tmp' } } },
    });
  });

  test('${VAR} and ${VAR:-default} are replaced from the environment', () => {
    const yaml = `
server:
  host: \${HOST:-0.0.0.0}
mcpServers:
  pg:
    type: rest
    url: http://\${PG_HOST}:\${PG_PORT:-8080}/
    headers: { Authorization: "Bearer \${TOKEN}" }
`;
    const config = parseConfig(yaml, { PG_HOST: 'db', TOKEN: 's3cret' });
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.mcpServers.pg).toEqual({ type: 'rest', url: 'http://db:8080/', headers: { Authorization: 'Bearer s3cret' } });
  });

  test('a header HTTP cannot carry stops loading, naming the key and the character but not the value', () => {
    const yaml = (type: string) => `mcpServers:\n  pg:\n    type: ${type}\n    url: http://db:8080\n    headers: { Authorization: "Bearer \${TOKEN}" }\n`;
    for (const type of ['rest', 'streamable-http', 'sse']) {
      const message = configError(() => parseConfig(yaml(type), { TOKEN: 'it’s-secret' }));
      expect(message).toBe(
        'mcpServers.pg.headers.Authorization: character 10 is "’" (U+2019), which an HTTP header cannot carry (Latin-1 text only, no line breaks or control characters); check the value, or the variable it comes from',
      );
      expect(message).not.toContain('secret');
    }
    expect(configError(() => parseConfig(yaml('rest'), { TOKEN: 'abc\ndef' }))).toMatch(/^mcpServers\.pg\.headers\.Authorization: character 11 is U\+000A, /);
    expect(configError(() => parseConfig('mcpServers:\n  pg: { type: rest, url: "http://db", headers: { "X Key": v } }\n', {}))).toMatch(/^mcpServers\.pg\.headers: "X Key" is not a header name/);
    expect(configError(() => parseConfig('mcpServers: {}\nllm: { baseUrl: "http://llm", model: m, apiKey: "k€y-12345" }\n', {}))).toMatch(/^llm\.apiKey \(sent as "Authorization: Bearer …"\): character 2 is "€" \(U\+20AC\)/);
    expect(configError(() => parseConfig('server: { apiKeys: ["abcdefgh", { key: "naïve€key" }] }\nmcpServers: {}\n', {}))).toMatch(/^server\.apiKeys\[1\]\.key \(sent by clients as "Authorization: Bearer …"\): character 6 is "€" \(U\+20AC\)/);
    // Latin-1 is sent as it is (obs-text): such a value loads.
    expect(parseConfig(yaml('rest'), { TOKEN: 'café\tx' }).mcpServers.pg).toMatchObject({ headers: { Authorization: 'Bearer café\tx' } });
  });

  test('$${ stays a literal ${', () => {
    const config = parseConfig('mcpServers:\n  a:\n    command: echo\n    args: ["$${HOME}", "$${X:-y}"]\n', { HOME: '/root', X: 'set' });
    expect(config.mcpServers.a).toEqual({ command: 'echo', args: ['${HOME}', '${X:-y}'] });
  });

  test('an unset variable without default names the path and the variable', () => {
    expect(configError(() => parseConfig('mcpServers:\n  pg:\n    command: x\n    env:\n      TOKEN: ${PG_TOKEN}\n', {}))).toBe(
      'mcpServers.pg.env.TOKEN: environment variable PG_TOKEN is not set (use ${PG_TOKEN:-default} for a fallback)',
    );
  });

  test('port "${PORT:-9000}" becomes the number 9000', () => {
    const yaml = 'server:\n  port: "${PORT:-9000}"\nmcpServers: {}\n';
    expect(parseConfig(yaml, {}).server).toEqual({ port: 9000 });
    expect(parseConfig(yaml, { PORT: '9100' }).server.port).toBe(9100);
  });

  test('an unknown key names its path', () => {
    expect(configError(() => parseConfig('mcpServers:\n  files:\n    comand: npx\n', {}))).toContain('mcpServers.files: unknown key "comand"');
  });

  test('a value of the wrong type names its path', () => {
    expect(configError(() => parseConfig('mcpServers:\n  files:\n    command: npx\n    args: "-y server"\n', {}))).toBe(
      'mcpServers.files.args: must be array',
    );
    expect(configError(() => parseConfig('server:\n  port: 99999\nmcpServers: {}\n', {}))).toBe('server.port: must be <= 65535');
  });

  test('llm: baseUrl and model required; fromText: llm needs it; its key is a secret', () => {
    const yaml = 'llm: { baseUrl: "http://litellm:4000/v1", apiKey: "${LLM_KEY}", model: gpt-4o-mini }\ntools:\n  "pg_*": { fromText: llm }\nmcpServers: {}\n';
    const config = parseConfig(yaml, { LLM_KEY: 'sk-llm-secret-key' });
    expect(config.llm).toEqual({ baseUrl: 'http://litellm:4000/v1', apiKey: 'sk-llm-secret-key', model: 'gpt-4o-mini' });
    expect(secretsOf(config)).toContain('sk-llm-secret-key');
    expect(configError(() => parseConfig('llm: { baseUrl: "http://x/v1" }\nmcpServers: {}\n', {}))).toBe('llm: missing required key "model"');
    expect(configError(() => parseConfig('tools:\n  "pg_*": { fromText: llm }\nmcpServers: {}\n', {}))).toBe(
      'tools.pg_*.fromText: "llm" needs an `llm` section (baseUrl, model) to ask',
    );
    expect(configError(() => parseConfig('tools:\n  x: { fromText: magic }\nmcpServers: {}\n', {}))).toBe('tools.x.fromText: must be one of llm');
  });

  test('render and maxTableRows, on a server entry and per tool', () => {
    const yaml = 'tools:\n  "pg_*": { render: table, maxTableRows: 100 }\nmcpServers:\n  pg: { command: x, render: json, maxTableRows: 10 }\n';
    const config = parseConfig(yaml, {});
    expect(config.tools).toEqual({ 'pg_*': { render: 'table', maxTableRows: 100 } });
    expect(config.mcpServers.pg).toMatchObject({ render: 'json', maxTableRows: 10 });
    expect(configError(() => parseConfig('mcpServers:\n  pg: { command: x, render: html }\n', {}))).toContain('mcpServers.pg.render: must be one of auto, table, json, text');
    expect(configError(() => parseConfig('tools:\n  a: { maxTableRows: 0 }\nmcpServers: {}\n', {}))).toBe('tools.a.maxTableRows: must be >= 1');
  });

  test('an unknown server type is one message listing the allowed kinds', () => {
    expect(configError(() => parseConfig('mcpServers:\n  remote:\n    type: streamable\n    url: https://x\n', {}))).toBe(
      'mcpServers.remote.type: must be one of stdio, rest, streamable-http, sse',
    );
  });

  test('remote servers: streamable-http, sse, and a bare url (Claude Desktop / Cursor layout)', () => {
    const yaml = `
mcpServers:
  remote: { type: streamable-http, url: "https://host/mcp", headers: { Authorization: "Bearer \${TOKEN}" } }
  legacy: { type: sse, url: "http://host:3001/sse", timeoutSeconds: 5 }
  guess: { url: "http://host:3001/mcp", prefix: "g_", maxResultBytes: 4096 }
`;
    expect(parseConfig(yaml, { TOKEN: 't' }).mcpServers).toEqual({
      remote: { type: 'streamable-http', url: 'https://host/mcp', headers: { Authorization: 'Bearer t' } },
      legacy: { type: 'sse', url: 'http://host:3001/sse', timeoutSeconds: 5 },
      guess: { url: 'http://host:3001/mcp', prefix: 'g_', maxResultBytes: 4096 },
    });
  });

  test('a remote entry is checked like the others: url required, stdio keys refused', () => {
    expect(configError(() => parseConfig('mcpServers:\n  r:\n    type: sse\n', {}))).toBe('mcpServers.r: missing required key "url"');
    expect(configError(() => parseConfig('mcpServers:\n  r:\n    url: http://x\n    command: y\n', {}))).toBe('mcpServers.r: unknown key "command"');
    expect(configError(() => parseConfig('mcpServers:\n  r:\n    type: streamable-http\n    url: ws://x\n', {}))).toBe(
      'mcpServers.r.url: must be an http:// or https:// URL',
    );
  });

  test('prefix and maxResultBytes are checked', () => {
    expect(configError(() => parseConfig('mcpServers:\n  r:\n    command: x\n    prefix: "a b"\n', {}))).toBe(
      'mcpServers.r.prefix: may only use letters, digits, "_", "-" and "."',
    );
    expect(configError(() => parseConfig('mcpServers:\n  r:\n    command: x\n    maxResultBytes: 0\n', {}))).toBe(
      'mcpServers.r.maxResultBytes: must be >= 1',
    );
  });

  test('a rest entry without url is refused', () => {
    expect(configError(() => parseConfig('mcpServers:\n  pg:\n    type: rest\n', {}))).toBe('mcpServers.pg: missing required key "url"');
    expect(configError(() => parseConfig('mcpServers:\n  pg:\n    type: rest\n    url: ftp://x\n', {}))).toBe(
      'mcpServers.pg.url: must be an http:// or https:// URL',
    );
  });

  test('a document without mcpServers, or that is not a mapping, is refused', () => {
    expect(configError(() => parseConfig('server: {}\n', {}))).toBe('(root): missing required key "mcpServers"');
    expect(configError(() => parseConfig('- a\n- b\n', {}))).toBe('the config must be a mapping with an `mcpServers` key');
    expect(configError(() => parseConfig('mcpServers: [', {}))).toMatch(/^not valid YAML or JSON: /);
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'shim-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('without a file or ./mcp-model-shim.yaml it is the embedded default, without get-env', () => {
    const { config, source } = loadConfig(undefined, {}, dir);
    expect(source).toBe('embedded default');
    // No host or port of its own: the environment, then 127.0.0.1:8080, decide (bind-address.ts).
    expect(config.server).toEqual({});
    expect(Object.keys(config.mcpServers)).toEqual(['everything']);
    const everything = config.mcpServers.everything as StdioServerConfig;
    expect(everything.command).toBe(process.execPath);
    expect(existsSync(everything.args?.[0] ?? '')).toBe(true);
    const include = everything.tools?.include ?? [];
    expect(include).toContain('echo');
    expect(include).not.toContain('get-env');
  });

  test('./mcp-model-shim.yaml in the working directory is picked up', () => {
    writeFileSync(path.join(dir, 'mcp-model-shim.yaml'), 'server:\n  port: ${PORT}\nmcpServers:\n  a:\n    command: x\n');
    const { config, source } = loadConfig(undefined, { PORT: '8181' }, dir);
    expect(source).toBe(path.join(dir, 'mcp-model-shim.yaml'));
    expect(config).toEqual({ server: { port: 8181 }, mcpServers: { a: { command: 'x' } } });
  });

  test('a problem in the file is prefixed with its path', () => {
    writeFileSync(path.join(dir, 'shim.json'), '{"mcpServers": {"a": {"comand": "x"}}}');
    expect(configError(() => loadConfig('shim.json', {}, dir))).toBe(
      `${path.join(dir, 'shim.json')}: mcpServers.a: missing required key "command"; mcpServers.a: unknown key "comand"`,
    );
  });

  test('a missing file is a ConfigError naming it', () => {
    expect(configError(() => loadConfig('nope.yaml', {}, dir))).toBe(`cannot read config file ${path.join(dir, 'nope.yaml')}: ENOENT`);
  });
});

describe('the shipped shim configs', () => {
  test.each(['litellm-snippets/mcp-model-shim.yaml', 'litellm-snippets/compose-shim.yaml'])('%s is valid', (file) => {
    const text = readFileSync(path.join(__dirname, '../..', file), 'utf8');
    const env = { SHIM_KEY: 'a-long-enough-key', DATABASE_URL: 'postgresql://db/x' };
    expect(Object.keys(parseConfig(text, env).mcpServers).length).toBeGreaterThan(0);
  });
});
