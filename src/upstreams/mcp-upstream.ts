import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../log.js';
import { VERSION } from '../version.js';
import { Reconnector } from './backoff.js';
import { UpstreamUnavailableError } from './errors.js';
import { listAllTools, translateCallError } from './mcp-client.js';
import { deliverProgressFirst } from './progress-first.js';
import type { CallOptions, CallToolResult, ToolDefinition, Upstream, UpstreamHealth, UpstreamKind } from './types.js';

/** Start-up and listing have their own limit: `timeoutSeconds` is about tool calls. */
export const SETUP_TIMEOUT_MS = 30_000;

/**
 * What a failed request says about the connection it was sent on:
 * - `session-lost`: the server no longer knows the session and did not run the request;
 * - `unreachable`: the request never left (connection refused, no such host).
 */
export type ConnectionFailure = { kind: 'session-lost' } | { kind: 'unreachable'; reason: string };

/**
 * One long-lived MCP client session, whatever the transport: connect, list, call, close,
 * reconnection with back-off, `notifications/tools/list_changed`. Subclasses only open the
 * transport and say what its failures mean.
 */
export abstract class McpUpstream implements Upstream {
  abstract readonly kind: UpstreamKind;
  onToolsChanged?: () => void;
  private readonly reconnector: Reconnector;
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** The client whose connect is under way, so that a shutdown can cut it short. */
  private opening: Client | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    /** Recorded as the last error when the connection closes by itself. */
    private readonly closedReason: string,
  ) {
    this.reconnector = new Reconnector(name, async () => {
      await this.connect();
      this.onToolsChanged?.();
    });
  }

  /** Opens a new transport and returns a client connected over it by `connectOver()`. */
  protected abstract open(): Promise<Client>;

  /** Why `open()` failed, safe to show (no URLs, headers or environment). */
  protected abstract openFailureReason(err: unknown): string;

  /** Transport-specific meaning of a failed request; undefined when it says nothing about the connection. */
  protected connectionFailure(_err: unknown): ConnectionFailure | undefined {
    return undefined;
  }

  /** Transport-specific: whether an error the transport reports on its own means the connection dropped. */
  protected disconnectReason(_err: Error): string | undefined {
    return undefined;
  }

  async listTools(): Promise<ToolDefinition[]> {
    return this.onSession(await this.connect(), (client) => listAllTools(client, this.name, SETUP_TIMEOUT_MS), (err) => err);
  }

  get sessionId(): string | undefined {
    return this.client?.transport?.sessionId;
  }

  async callTool(name: string, args: Record<string, unknown>, { timeoutMs, signal, onProgress, traceContext }: CallOptions): Promise<CallToolResult> {
    // Never connect on demand: a failing server is retried by the back-off schedule only.
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    if (!client) throw this.unavailable(`upstream "${this.name}" is reconnecting; the call was not sent`);
    const send = async (session: Client) =>
      // The SDK adds its progressToken to this `_meta` (SEP-414 puts trace context there).
      (await session.callTool({ name, arguments: args, ...(traceContext ? { _meta: traceContext } : {}) }, undefined, {
        timeout: timeoutMs,
        signal,
        // Always asking for progress lets a long tool that reports it outlive `timeoutSeconds`.
        onprogress: (progress) => onProgress?.(progress),
        resetTimeoutOnProgress: true,
      })) as CallToolResult;
    return this.onSession(client, send, (err) => translateCallError(err, this.name, name, timeoutMs, signal));
  }

  health(): UpstreamHealth {
    return this.reconnector.health();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.close();
    // A connect under way is cut short, not waited for: a server stuck in start-up would hold the
    // shutdown for SETUP_TIMEOUT_MS (Docker's stop timeout is 10 s).
    await this.opening?.close().catch(() => undefined);
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    if (client) await this.endSession(client);
    await client?.close();
  }

  /** A connect is under way: the server has not finished its handshake. */
  protected get handshaking(): boolean {
    return this.opening !== undefined;
  }

  /** Transport-specific: tells the server, where the protocol allows it, that the session is over. */
  protected async endSession(_client: Client): Promise<void> {}

  /** A new client, initialised over `transport`, that reports `list_changed` and the loss of its connection. */
  protected async connectOver(transport: Transport): Promise<Client> {
    const client = new Client({ name: 'mcp-model-shim', version: VERSION }, { capabilities: {} });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => this.onToolsChanged?.());
    client.onclose = () => this.lost(client, this.closedReason);
    client.onerror = (err) => {
      const reason = this.disconnectReason(err);
      if (reason) this.lost(client, reason);
    };
    this.opening = client;
    try {
      await client.connect(transport, { timeout: SETUP_TIMEOUT_MS });
      deliverProgressFirst(transport);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    } finally {
      this.opening = undefined;
    }
    return client;
  }

  /** The connection of `client` is gone: pending requests fail, and reconnection starts. */
  private lost(client: Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    if (!this.closed) this.reconnector.failed(reason);
    // Rejects whatever is still waiting on this client ("Connection closed": it may have run).
    client.close().catch(() => undefined);
  }

  /**
   * Sends a request on `client`. A session the server forgot is re-initialised and the request
   * sent once more: the server said it never ran it, so this cannot run it twice.
   */
  private async onSession<T>(client: Client, send: (client: Client) => Promise<T>, translate: (err: unknown) => unknown): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send(client);
      } catch (err) {
        const failure = this.connectionFailure(err);
        if (failure?.kind === 'unreachable') {
          this.lost(client, failure.reason);
          throw this.unavailable(`upstream "${this.name}" is not reachable: ${failure.reason}`);
        }
        if (failure?.kind !== 'session-lost') throw translate(err);
        if (attempt > 1) throw this.unavailable(`upstream "${this.name}" lost its session again; the call was not run`);
        log.info('upstream forgot the session; re-initialising', { upstream: this.name });
        this.drop(client);
        client = await this.connect();
        // A server that forgot its sessions has likely restarted, perhaps with other tools.
        this.onToolsChanged?.();
      }
    }
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.establish().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async establish(): Promise<Client> {
    let client: Client;
    try {
      client = await this.open();
    } catch (err) {
      const reason = this.openFailureReason(err);
      this.reconnector.failed(reason);
      throw this.unavailable(`upstream "${this.name}" is not available: ${reason}`);
    }
    // Closed while connecting (shut down, or the server went away in the meantime).
    if (this.closed || !client.transport) {
      await client.close();
      if (!this.closed) this.reconnector.failed(this.closedReason);
      throw this.unavailable(`upstream "${this.name}" is not available: ${this.closed ? 'shut down' : this.closedReason}`);
    }
    this.client = client;
    this.reconnector.ready();
    log.info('upstream connected', { upstream: this.name, kind: this.kind });
    return client;
  }

  /** Forgets a client without counting it as a failure (its session is gone, not the server). */
  private drop(client: Client): void {
    if (this.client === client) this.client = undefined;
    client.close().catch(() => undefined);
  }

  private unavailable(message: string): UpstreamUnavailableError {
    return new UpstreamUnavailableError(this.name, message, this.reconnector.retryAfterSeconds());
  }
}
