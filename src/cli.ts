#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { probeUrl, removeAddressFile, writeAddressFile } from './address-file.js';
import { callableUrl, resolveBind, type BindSource } from './bind-address.js';
import { ConfigError } from './config/errors.js';
import { EMBEDDED, loadConfig } from './config/load.js';
import { watchConfig } from './config/watch.js';
import type { ShimConfig } from './config/types.js';
import { argumentsFromText, callTool, findTool } from './invoke.js';
import { litellmConfig, renderSnippet, type SnippetFormat } from './litellm/snippets.js';
import { log, setLogLevel } from './log.js';
import { ToolRegistry } from './registry.js';
import { renderAnswer } from './render/answer.js';
import { redact, secretsOf, useSecrets } from './secrets.js';
import { startShim, type RunningShim } from './server.js';
import { VERSION } from './version.js';

/** The CLI only parses flags and hands plain options to the code that runs. */

interface ConfigOption {
  config?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return port;
}

const SOURCE_NAMES: Record<BindSource, string> = { flag: 'command line', config: 'config file', env: 'environment', default: 'default' };

async function serve(options: ConfigOption & { host?: string; port?: number; allowUnauthenticated?: boolean; watch?: boolean }): Promise<void> {
  const { config, source } = loadConfig(options.config);
  const configFile = source === EMBEDDED ? undefined : source;
  if (options.watch && !configFile) throw new ConfigError('--watch needs a config file (--config, or ./mcp-model-shim.yaml): the embedded default never changes');
  const bind = resolveBind(options, config);
  // Handlers go in before start-up, so a signal at any moment ends in a clean close: during
  // start-up it aborts the start (closing the upstreams, children included), after it closes the shim.
  const running: { shim?: RunningShim } = {};
  const starting = new AbortController();
  const stop = (signal: string) => {
    if (starting.signal.aborted) return;
    log.info('shutting down', { signal });
    starting.abort(new Error(`${signal} during start-up`));
    running.shim?.close().then(
      () => {
        removeAddressFile();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP reloads the config file (one that fails logs why and changes nothing, see server.ts);
  // during start-up it is ignored rather than ending the process, Node's default.
  process.on('SIGHUP', () => void running.shim?.reload().catch(() => undefined));
  let shim: RunningShim;
  try {
    shim = await startShim(config, { host: bind.host, port: bind.port, allowUnauthenticated: options.allowUnauthenticated, signal: starting.signal, configFile });
  } catch (err) {
    if (starting.signal.aborted) process.exit(0);
    throw err;
  }
  running.shim = shim;
  // The signal came after the upstreams started but before the shim was listening.
  if (starting.signal.aborted) {
    await shim.close();
    process.exit(0);
  }
  if (options.watch && configFile) watchConfig(configFile, () => shim.reload());
  writeAddressFile(shim.url);
  log.info('listening', {
    url: shim.url,
    hostFrom: SOURCE_NAMES[bind.from.host],
    portFrom: SOURCE_NAMES[bind.from.port],
    config: source,
    tools: shim.registry.list().length,
    version: VERSION,
  });
}

/** Starts the upstreams of the config for a one-shot command, and always closes them. */
async function withRegistry<T>(configFile: string | undefined, run: (registry: ToolRegistry, config: ShimConfig) => Promise<T>): Promise<T> {
  const { config } = loadConfig(configFile);
  useSecrets(secretsOf(config));
  const registry = ToolRegistry.fromConfig(config);
  try {
    await registry.start();
    return await run(registry, config);
  } finally {
    await registry.close();
  }
}

async function listTools(options: ConfigOption & { json?: boolean }): Promise<void> {
  await withRegistry(options.config, async (registry) => {
    const tools = registry.list().map((tool) => ({
      name: tool.name,
      upstream: tool.upstream.name,
      description: tool.definition.description ?? '',
      inputSchema: tool.definition.inputSchema,
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(tools, null, 2)}\n`);
      return;
    }
    const width = Math.max(4, ...tools.map((tool) => tool.name.length));
    const upstreamWidth = Math.max(8, ...tools.map((tool) => tool.upstream.length));
    const lines = tools.map((tool) => `${tool.name.padEnd(width)}  ${tool.upstream.padEnd(upstreamWidth)}  ${tool.description.split('\n')[0]}`);
    process.stdout.write(`${['TOOL'.padEnd(width) + '  ' + 'UPSTREAM'.padEnd(upstreamWidth) + '  DESCRIPTION', ...lines].join('\n')}\n`);
  });
}

async function callOnce(toolName: string, text: string, options: ConfigOption & { json?: boolean }): Promise<void> {
  await withRegistry(options.config, async (registry) => {
    const tool = findTool(registry, toolName);
    const result = await callTool(tool, argumentsFromText(tool, text));
    process.stdout.write(`${renderAnswer(result, tool, options.json === true)}\n`);
    if (result.isError) process.exitCode = 1;
  });
}

interface SnippetCliOptions extends ConfigOption {
  baseUrl?: string[];
  tools?: string;
  apiKeyEnv?: string;
  format: SnippetFormat;
}

async function printSnippets(options: SnippetCliOptions): Promise<void> {
  await withRegistry(options.config, async (registry, config) => {
    const { host, port } = resolveBind({}, config);
    const baseUrl = options.baseUrl?.length ? options.baseUrl : callableUrl(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
    const agents = Object.keys(config.agents ?? {});
    const snippet = litellmConfig(registry.list(), { baseUrl, tools: options.tools, apiKeyEnv: options.apiKeyEnv, agents });
    process.stdout.write(renderSnippet(snippet, options.format));
  });
}

/** `healthcheck`: exit 0 when the running shim's `/health` (or with `--ready`, `/ready`) answers 200; the image's HEALTHCHECK. */
async function healthcheck(options: { url?: string; timeout: number; ready?: boolean }): Promise<void> {
  const url = `${options.url ?? probeUrl()}/${options.ready ? 'ready' : 'health'}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(options.timeout * 1000) }).catch((err: Error) => {
    throw new Error(`${url}: ${err.cause instanceof Error ? err.cause.message : err.message}`);
  });
  const { status } = (await response.json().catch(() => ({}))) as { status?: string };
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}${status ? ` (${status})` : ''}`);
  process.stdout.write(`${url}: ${status ?? 'ok'}\n`);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseFormat(value: string): SnippetFormat {
  if (value !== 'yaml' && value !== 'json') throw new InvalidArgumentError('must be yaml or json');
  return value;
}

/** Errors end the command with their message only: no stack traces for users. */
function run<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      const prefix = err instanceof ConfigError ? 'configuration error: ' : '';
      process.stderr.write(`mcp-model-shim: ${prefix}${redact(err instanceof Error ? err.message : String(err))}\n`);
      process.exit(err instanceof ConfigError ? 2 : 1);
    }
  };
}

const program = new Command()
  .name('mcp-model-shim')
  .description('Serve every MCP tool as an OpenAI-compatible chat model.')
  .version(VERSION);

program
  .command('serve', { isDefault: true })
  .description('start the HTTP server')
  .option('-c, --config <file>', 'config file (default: ./mcp-model-shim.yaml, else the embedded default)')
  .option('--host <host>', 'address to bind (beats server.host, which beats env HOST; default 127.0.0.1)')
  .option('-p, --port <port>', 'port to listen on (beats server.port, which beats env PORT; default 8080)', parsePort)
  .option('--allow-unauthenticated', 'listen beyond loopback without server.apiKeys (anyone reaching the port can run every tool)')
  .option('--watch', 'reload the config file when its content changes (SIGHUP always reloads it)')
  .action(run(serve));

program
  .command('tools')
  .description('list every exposed tool, its upstream and description')
  .option('-c, --config <file>', 'config file')
  .option('--json', 'print JSON, with input schemas')
  .hook('preAction', () => setLogLevel(process.env.LOG_LEVEL ?? 'warn'))
  .action(run(listTools));

program
  .command('call')
  .description("call one tool the way a chat request would: TEXT follows the same rules as a user message")
  .argument('<tool>', 'tool name')
  .argument('[text]', 'arguments: a JSON object, or plain text for a single-parameter tool', '')
  .option('-c, --config <file>', 'config file')
  .option('--json', 'print the result as one JSON document (as response_format json_object does)')
  .hook('preAction', () => setLogLevel(process.env.LOG_LEVEL ?? 'warn'))
  .action(run(callOnce));

program
  .command('snippets')
  .description('print a LiteLLM config with one model_list entry per tool')
  .option('-c, --config <file>', 'config file')
  .option('--base-url <url>', "where LiteLLM reaches the shim (default: the config's host and port); repeat it for replicas", collect, [] as string[])
  .option('--tools <glob>', 'only tools matching this glob')
  .option('--api-key-env <var>', 'api_key: os.environ/VAR instead of dummy-key')
  .option('--format <format>', 'yaml or json', parseFormat, 'yaml' as SnippetFormat)
  .hook('preAction', () => setLogLevel(process.env.LOG_LEVEL ?? 'warn'))
  .action(run(printSnippets));

program
  .command('healthcheck')
  .description("exit 0 when the running shim's /health answers 200 (address from $MCP_SHIM_ADDRESS_FILE, else 127.0.0.1:$PORT)")
  .option('--url <url>', 'the shim to check, e.g. http://127.0.0.1:8080')
  .option('--ready', 'probe /ready instead: 200 only while an upstream is ready and no shutdown has begun')
  .option('--timeout <seconds>', 'give up after this long', Number, 4)
  .action(run(healthcheck));

void program.parseAsync();
