import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { StdioServerConfig } from '../config/types.js';
import { log } from '../log.js';
import { VERSION } from '../version.js';
import { Reconnector } from './backoff.js';
import { UpstreamUnavailableError } from './errors.js';
import { listAllTools, translateCallError } from './mcp-client.js';
import type { CallOptions, CallToolResult, ToolDefinition, Upstream, UpstreamHealth } from './types.js';

/** Start-up and listing have their own limit: `timeoutSeconds` is about tool calls. */
const SETUP_TIMEOUT_MS = 30_000;

/** An MCP server run as one long-lived child process, restarted with back-off when it exits. */
export class StdioUpstream implements Upstream {
  readonly kind = 'stdio';
  onToolsChanged?: () => void;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  private closed = false;
  private readonly reconnector: Reconnector;

  constructor(
    readonly name: string,
    private readonly config: StdioServerConfig,
  ) {
    this.reconnector = new Reconnector(name, async () => {
      await this.connect();
      this.onToolsChanged?.();
    });
  }

  async listTools(): Promise<ToolDefinition[]> {
    const client = await this.connect();
    return listAllTools(client, this.name, SETUP_TIMEOUT_MS);
  }

  async callTool(name: string, args: Record<string, unknown>, { timeoutMs, signal }: CallOptions): Promise<CallToolResult> {
    // Never spawn on demand: a crashing server is restarted by the back-off schedule only.
    const client = this.client ?? (await this.connecting);
    if (!client) {
      throw new UpstreamUnavailableError(this.name, `upstream "${this.name}" is restarting; the call was not sent`);
    }
    try {
      return (await client.callTool({ name, arguments: args }, undefined, { timeout: timeoutMs, signal })) as CallToolResult;
    } catch (err) {
      throw translateCallError(err, this.name, timeoutMs, signal);
    }
  }

  health(): UpstreamHealth {
    return this.reconnector.health();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.close();
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.close();
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.spawn().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async spawn(): Promise<Client> {
    const { command, args = [], env = {}, cwd } = this.config;
    // The child sees only the SDK's safe defaults (PATH, HOME, …) plus what the config names.
    const transport = new StdioClientTransport({
      command,
      args,
      env: { ...getDefaultEnvironment(), ...env },
      cwd,
      stderr: 'pipe',
    });
    if (transport.stderr) logLines(transport.stderr as Readable, this.name);
    const client = new Client({ name: 'mcp-model-shim', version: VERSION }, { capabilities: {} });
    client.onclose = () => this.lost(client);
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => this.onToolsChanged?.());
    try {
      await client.connect(transport, { timeout: SETUP_TIMEOUT_MS });
    } catch (err) {
      await client.close().catch(() => undefined);
      const reason = `could not start "${command}": ${err instanceof Error ? err.message : String(err)}`;
      this.reconnector.failed(reason);
      throw new UpstreamUnavailableError(this.name, `upstream "${this.name}" is not available: ${reason}`);
    }
    if (this.closed) {
      await client.close();
      throw new UpstreamUnavailableError(this.name, `upstream "${this.name}" is shut down`);
    }
    this.client = client;
    this.reconnector.ready();
    log.info('upstream connected', { upstream: this.name, kind: this.kind, pid: transport.pid });
    return client;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (!this.closed) this.reconnector.failed('the server process exited');
  }
}

/** Child stderr goes to the log at debug level, one entry per line (it may hold anything). */
function logLines(stream: Readable, upstream: string): void {
  createInterface({ input: stream }).on('line', (line) => log.debug('upstream stderr', { upstream, line }));
}
