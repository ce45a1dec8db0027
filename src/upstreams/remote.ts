import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError, SseError, SSEClientTransport, StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import type { RemoteServerConfig, RemoteTransportKind } from '../config/types.js';
import { log } from '../log.js';
import { boundedFetch } from './bounded-fetch.js';
import { mcpErrorText } from './mcp-client.js';
import { messageLimits } from './message-reader.js';
import { McpUpstream, type ConnectionFailure } from './mcp-upstream.js';
import { NOT_SENT_CODES, socketErrorCode } from './network.js';

/**
 * A remote MCP server over streamable HTTP or SSE (the SDK's client transports), one session
 * kept open. Streamable HTTP speaks the newest revision the server offers: 2026-07-28 (no
 * session) or an older one (a session per connection); SSE, which 2026-07-28 no longer has, the
 * older ones only. Without a configured `type`, streamable HTTP is tried first, on both
 * revisions, and SSE after it when the server refuses it; the transport that answered is kept
 * for reconnections.
 */
export class RemoteUpstream extends McpUpstream {
  private transport: RemoteTransportKind | undefined;

  constructor(
    name: string,
    private readonly config: RemoteServerConfig,
  ) {
    super(name, 'the connection to the server closed', config.maxConcurrentCalls);
    this.transport = config.type;
  }

  /** Before an untyped entry has connected, the transport that will be tried first. */
  get kind(): RemoteTransportKind {
    return this.transport ?? 'streamable-http';
  }

  protected async open(): Promise<Client> {
    if (this.transport) return this.openWith(this.transport);
    try {
      const client = await this.openWith('streamable-http');
      this.transport = 'streamable-http';
      return client;
    } catch (err) {
      // An unreachable server would refuse SSE just the same; only an HTTP refusal means "try SSE".
      const status = err instanceof SdkHttpError ? err.status : 0;
      if (status < 400 || status >= 500) throw err;
      log.info('upstream refused streamable HTTP; trying SSE', { upstream: this.name, status });
      const client = await this.openWith('sse');
      this.transport = 'sse';
      return client;
    }
  }

  protected openFailureReason(err: unknown): string {
    return failureReason(err);
  }

  protected override connectionFailure(err: unknown): ConnectionFailure | undefined {
    // The streamable HTTP spec: a server answers 404 to a session it does not (or no longer) know.
    if (err instanceof SdkHttpError && err.status === 404) return { kind: 'session-lost' };
    // SSE servers answer the same to a message for an unknown session; the SDK gives only text.
    if (err instanceof Error && err.message.startsWith('Error POSTing to endpoint (HTTP 404)')) return { kind: 'session-lost' };
    const code = socketErrorCode(err);
    if (code && NOT_SENT_CODES.has(code)) return { kind: 'unreachable', reason: code };
    return undefined;
  }

  /**
   * A stream the server holds open broke: the SSE stream (which carries an SSE session) or, for
   * streamable HTTP, the notification stream or a call's response stream. Requests waiting on it
   * would otherwise hang until their timeout.
   */
  protected override disconnectReason(err: Error): string | undefined {
    if (err instanceof SseError) return `the SSE stream broke${err.code ? ` (HTTP ${err.code})` : ''}`;
    if (STREAM_LOST.some((start) => err.message.startsWith(start))) return 'the connection to the server was lost';
    return undefined;
  }

  /**
   * Streamable HTTP servers keep a session (and whatever it holds) until told otherwise; the
   * spec asks clients to DELETE it. Shutdown waits for that a second at most.
   */
  protected override async endSession(client: Client): Promise<void> {
    const transport = client.transport;
    if (!(transport instanceof StreamableHTTPClientTransport)) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, END_SESSION_WAIT_MS);
    });
    await Promise.race([transport.terminateSession().catch(() => undefined), limit]);
    clearTimeout(timer);
  }

  private openWith(kind: RemoteTransportKind): Promise<Client> {
    const { url, headers } = withoutCredentials(this.config.url, this.config.headers ?? {});
    const options = { requestInit: { headers }, fetch: boundedFetch(messageLimits(this.config), this.name) };
    if (kind === 'sse') return this.connectOver(new SSEClientTransport(url, options), { mode: 'legacy' });
    // Over HTTP a server that does not answer the probe is down, not old: it gets the set-up time.
    return this.connectOver(new StreamableHTTPClientTransport(url, options), { mode: 'auto' });
  }
}

const END_SESSION_WAIT_MS = 1000;

/**
 * How the SDK's streamable HTTP transport reports that a stream broke, or that its notification
 * stream cannot be re-opened (the server is gone; a server that closes it on purpose lets the
 * SDK re-open it without an error).
 */
const STREAM_LOST = ['SSE stream disconnected', 'Failed to reconnect SSE stream', 'Maximum reconnection attempts'];

/** fetch refuses URLs with credentials; `https://user:pass@host` becomes Basic authorization. */
function withoutCredentials(address: string, headers: Record<string, string>): { url: URL; headers: Record<string, string> } {
  const url = new URL(address);
  if (!url.username && !url.password) return { url, headers };
  const basic = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  url.username = '';
  url.password = '';
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  return { url, headers: hasAuthorization ? headers : { ...headers, Authorization: `Basic ${basic}` } };
}

/** A reason that names no URL or header: HTTP statuses and socket codes only. */
function failureReason(err: unknown): string {
  if (err instanceof SdkHttpError) return `HTTP ${err.status}`;
  if (err instanceof SseError) return `HTTP ${err.code ?? 'error'}`;
  if (err instanceof ProtocolError) return mcpErrorText(err);
  // The protocol probe wraps what failed under it (a refused connection, a reset).
  const cause = err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed ? (err.cause ?? err) : err;
  const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return socketErrorCode(cause) ?? message.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>');
}
