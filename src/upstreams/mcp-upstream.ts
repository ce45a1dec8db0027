import { Client, type McpSubscription, type Tool, type Transport, type VersionNegotiationOptions } from '@modelcontextprotocol/client';
import { CallToolResultSchema } from '@modelcontextprotocol/core';
import { DEFAULT_MAX_CONCURRENT_CALLS } from '../config/types.js';
import { log } from '../log.js';
import { VERSION } from '../version.js';
import { Reconnector } from './backoff.js';
import { QuestionClosedError, UpstreamError, UpstreamUnavailableError } from './errors.js';
import { HeldCalls } from './held-calls.js';
import { questionIn, type InputAnswers, type ToolQuestion } from './input-required.js';
import { listAllTools, translateCallError } from './mcp-client.js';
import { deliverProgressFirst } from './progress-first.js';
import { skipInvalidTools } from './tool-list-filter.js';
import type { CallOptions, CallToolResult, Progress, ToolDefinition, Upstream, UpstreamHealth, UpstreamKind } from './types.js';

/** Start-up and listing have their own limit: `timeoutSeconds` is about tool calls. */
export const SETUP_TIMEOUT_MS = 30_000;

/**
 * Bounds on re-reading a tool list that says how long it stays fresh (`ttlMs`): no more often than
 * every second, whatever a server says; at least daily (the SDK's own cap on a server's `ttlMs`).
 */
const MIN_RELIST_MS = 1000;
const MAX_RELIST_MS = 24 * 60 * 60 * 1000;

/** A `list_changed` subscription that the server ends sooner than this is not opened again on the same connection. */
const RELISTEN_AFTER_MS = 1000;

/**
 * How a connection picks its protocol revision: `auto` asks the server (`server/discover`) and
 * speaks 2026-07-28 to a server that offers it, the older handshake (`initialize`) otherwise;
 * `legacy` goes straight to `initialize`.
 */
export type Negotiation = VersionNegotiationOptions & { mode: 'auto' | 'legacy' };

/** A call sent again with the person's answers (2026-07-28): `inputResponses`, and `requestState` echoed. */
function resumeParams({ responses, requestState }: InputAnswers): Record<string, unknown> {
  return { inputResponses: responses, ...(requestState !== undefined ? { requestState } : {}) };
}

/** Whether calls on `client` carry arguments in headers too: the 2026-07-28 revision over HTTP (one request per call). */
function mirrorsArguments(client: Client): boolean {
  return client.getProtocolEra() === 'modern' && client.transport?.hasPerRequestStream === true;
}

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
  /** The transport of the connect under way, so that a shutdown can cut it short. */
  private opening: Transport | undefined;
  private closed = false;
  /** Each listed tool's input schema, handed to the SDK with a call (see `callTool`). */
  private schemas = new Map<string, Tool>();
  /** Re-reads the tool list when the last one's `ttlMs` runs out. */
  private expiry: NodeJS.Timeout | undefined;
  /** Calls an older-era server holds open at its question. */
  private readonly heldCalls: HeldCalls;

  constructor(
    readonly name: string,
    /** Recorded as the last error when the connection closes by itself. */
    private readonly closedReason: string,
    /** `maxConcurrentCalls`: also the most calls held open at an older server's questions. */
    maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS,
  ) {
    this.heldCalls = new HeldCalls(name, maxConcurrentCalls);
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
    const { tools, ttlMs } = await this.onSession(await this.connect(), (client) => listAllTools(client, SETUP_TIMEOUT_MS), (err) => err);
    this.schemas = new Map(tools.map(({ name, inputSchema }) => [name, { name, inputSchema: inputSchema as Tool['inputSchema'] }]));
    this.relistAfter(ttlMs);
    return tools;
  }

  get sessionId(): string | undefined {
    return this.client?.transport?.sessionId;
  }

  async callTool(name: string, args: Record<string, unknown>, { timeoutMs, signal, onProgress, traceContext, answers }: CallOptions): Promise<CallToolResult | ToolQuestion> {
    if (answers?.held !== undefined) return this.resumeHeld(name, answers, onProgress, signal);
    // Never connect on demand: a failing server is retried by the back-off schedule only.
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    if (!client) throw this.unavailable(`upstream "${this.name}" is reconnecting; the call was not sent`);
    const toolDefinition = this.schemas.get(name);
    const send = async (session: Client, progress: (progress: Progress) => void): Promise<CallToolResult | ToolQuestion> => {
      // The SDK adds its progressToken to this `_meta` (SEP-414 puts trace context there).
      const params = { name, arguments: args, ...(traceContext ? { _meta: traceContext } : {}), ...(answers ? resumeParams(answers) : {}) };
      const options = {
        timeout: timeoutMs,
        signal,
        // Always asking for progress lets a long tool that reports it outlive `timeoutSeconds`.
        onprogress: progress,
        resetTimeoutOnProgress: true,
        // A request for input comes back as it is, to be asked of the person (input-required.ts).
        allowInputRequired: true,
      };
      // On 2026-07-28 over HTTP, `callTool` copies the arguments a tool marks `x-mcp-header` into
      // headers, which such a server requires; it reads them from the listed schema (and, with no
      // output schema there, skips an output check the shim never made). Elsewhere a plain request
      // with the result's schema: `callTool` first checks its own schema lookup by parsing
      // `undefined` and formatting the failure, half of the SDK's CPU per call on stdio.
      const result: unknown = mirrorsArguments(session)
        ? await session.callTool(params, { ...options, ...(toolDefinition ? { toolDefinition } : {}) })
        : await session.request({ method: 'tools/call', params }, CallToolResultSchema, options);
      return questionIn(result, this.name, name) ?? (result as CallToolResult);
    };
    const translate = (err: unknown) => (err instanceof UpstreamError ? err : translateCallError(err, this.name, name, timeoutMs, signal));
    return this.heldCalls.run((progress) => this.onSession(client, (session) => send(session, progress), translate), onProgress);
  }

  /** An older server's call held open at its question, given the answer: its result or next question. */
  private async resumeHeld(tool: string, { held, responses }: InputAnswers, onProgress: CallOptions['onProgress'], signal?: AbortSignal): Promise<CallToolResult | ToolQuestion> {
    const answer = Object.values(responses)[0];
    const resumed = held !== undefined && answer ? this.heldCalls.resume<CallToolResult | ToolQuestion>(held, answer, onProgress, signal) : undefined;
    if (!resumed) throw new QuestionClosedError(this.name, tool);
    return resumed;
  }

  health(): UpstreamHealth {
    return this.reconnector.health();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reconnector.close();
    clearTimeout(this.expiry);
    // A connect under way is cut short, not waited for: a server stuck in start-up would hold the
    // shutdown for SETUP_TIMEOUT_MS (Docker's stop timeout is 10 s). Its transport, not its
    // client: while the SDK asks for the protocol revision, the client does not own it yet.
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

  /** `close()` was called: nothing new is to be started. */
  protected get shutDown(): boolean {
    return this.closed;
  }

  /** Transport-specific: tells the server, where the protocol allows it, that the session is over. */
  protected async endSession(_client: Client): Promise<void> {}

  /**
   * A new client, connected over `transport` on the revision `negotiation` picks, that reports
   * `list_changed` and the loss of its connection.
   */
  protected async connectOver(transport: Transport, negotiation: Negotiation): Promise<Client> {
    const client = new Client(
      { name: 'mcp-model-shim', version: VERSION },
      {
        // A tool's questions go to the person at the other end of the chat (forms, and URLs to
        // open); `sampling` and `roots` are not for a person to answer, so they are not declared.
        capabilities: { elicitation: { form: {}, url: {} } },
        versionNegotiation: negotiation,
        inputRequired: { autoFulfill: false },
      },
    );
    client.setNotificationHandler('notifications/tools/list_changed', () => this.onToolsChanged?.());
    // An older-era server asks while its call waits (2026-07-28 servers answer the call instead).
    client.setRequestHandler('elicitation/create', (request, ctx) => this.heldCalls.ask(request.params, ctx.mcpReq.signal));
    client.onclose = () => this.lost(client, this.closedReason);
    client.onerror = (err) => {
      const reason = this.disconnectReason(err);
      if (reason) this.lost(client, reason);
    };
    skipInvalidTools(transport, this.name);
    this.opening = transport;
    try {
      await client.connect(transport, { timeout: SETUP_TIMEOUT_MS });
      deliverProgressFirst(transport);
      await this.listenForToolChanges(client);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    } finally {
      this.opening = undefined;
    }
    log.debug('upstream protocol', { upstream: this.name, version: client.getNegotiatedProtocolVersion() });
    return client;
  }

  /**
   * On the 2026-07-28 revision a server sends `list_changed` only on a subscription
   * (`subscriptions/listen`); older revisions send it unasked. A subscription the server ends is
   * opened again at once, and the list re-read (a change may have come meanwhile); one that cannot
   * be, or that ends within a second, counts as the connection lost.
   */
  private async listenForToolChanges(client: Client): Promise<void> {
    if (client.getProtocolEra() !== 'modern' || !client.getServerCapabilities()?.tools?.listChanged) return;
    let subscription: McpSubscription;
    try {
      subscription = await client.listen({ toolsListChanged: true }, { timeout: SETUP_TIMEOUT_MS });
    } catch (err) {
      log.warn('upstream refused a list_changed subscription; its tool list is read again only on reconnects', {
        upstream: this.name,
        error: (err as Error).message,
      });
      return;
    }
    const openedAt = Date.now();
    void subscription.closed.then(async (cause) => {
      if (cause === 'local' || this.client !== client) return;
      if (Date.now() - openedAt < RELISTEN_AFTER_MS) {
        this.lost(client, 'the server ended its list_changed subscription');
        return;
      }
      try {
        await this.listenForToolChanges(client);
      } catch {
        this.lost(client, 'the server ended its list_changed subscription');
        return;
      }
      this.onToolsChanged?.();
    });
  }

  /** Re-reads the tool list once `ttlMs` has passed; a list without one waits for `list_changed`. */
  private relistAfter(ttlMs: number | undefined): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    if (ttlMs === undefined || ttlMs <= 0 || this.closed) return;
    this.expiry = setTimeout(() => {
      this.expiry = undefined;
      this.onToolsChanged?.();
    }, Math.min(Math.max(ttlMs, MIN_RELIST_MS), MAX_RELIST_MS));
    this.expiry.unref();
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
    // A `list_changed` that arrives during shutdown must not start the server again.
    if (this.closed) return Promise.reject(this.unavailable(`upstream "${this.name}" is shut down`));
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
