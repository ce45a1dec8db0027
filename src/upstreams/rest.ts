import http from 'node:http';
import https from 'node:https';
import axios, { Axios, type AxiosResponse } from 'axios';
import { Agent } from 'undici';
import type { RestServerConfig } from '../config/types.js';
import { log } from '../log.js';
import { Reconnector } from './backoff.js';
import {
  CallCancelledError,
  ResultTooLargeError,
  UpstreamFailedError,
  UpstreamRejectedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  type UpstreamError,
} from './errors.js';
import { cutBody, messageLimits, type MessageLimits } from './message-reader.js';
import { httpAdapter } from './http-adapter.js';
import { NOT_SENT_CODES } from './network.js';
import { markTruncated } from './truncation.js';
import type { CallOptions, CallToolResult, ToolDefinition, Upstream, UpstreamHealth } from './types.js';

const LIST_TIMEOUT_MS = 30_000;

/** The field report's REST adapter: `GET /tools`, `POST /tools/{name}` with `{"arguments"}`. */
export class RestUpstream implements Upstream {
  readonly kind = 'rest';
  onToolsChanged?: () => void;
  private readonly http: InstanceType<typeof Axios>;
  private readonly reconnector: Reconnector;
  private readonly limits: MessageLimits;
  /** Keep-alive connections to the upstream (system CAs and NODE_EXTRA_CA_CERTS, as node:https); no connect timeout but the call's own. */
  private readonly dispatcher = new Agent({ connectTimeout: 0 });

  constructor(
    readonly name: string,
    config: RestServerConfig,
  ) {
    this.limits = messageLimits(config);
    const transport = {
      baseURL: config.url.replace(/\/+$/, ''),
      headers: { accept: 'application/json, text/plain, */*', ...config.headers, 'content-type': 'application/json' },
      // Bodies are read as bytes and parsed here (readBody), so that a large one is cut while parsed.
      responseType: 'arraybuffer' as const,
      maxContentLength: this.limits.maxMessageBytes,
    };
    // `new Axios` takes only these as its defaults (`axios.create` would merge in the global ones,
    // which axios then merges, checks and copies again on every call), and sets no `validateStatus`:
    // statuses are interpreted below, and axios must not turn them into exceptions. Our adapter on
    // undici keeps the upstream's settings itself and sends object bodies as JSON (see
    // http-adapter.ts). With a proxy variable set, axios's own http adapter honours it, given the
    // same settings as axios config.
    this.http = new Axios(
      proxyVariableSet()
        ? {
            ...transport,
            adapter: 'http',
            // No redirects: an upstream address comes from configuration only.
            maxRedirects: 0,
            // A body sent is JSON text (or none), and one received stays bytes: axios's default
            // transforms would test each for forms, streams and blobs first.
            transformRequest: [(data: unknown) => (data === undefined || typeof data === 'string' ? data : JSON.stringify(data))],
            transformResponse: [],
            httpAgent: new http.Agent({ keepAlive: true }),
            httpsAgent: new https.Agent({ keepAlive: true }),
          }
        : { adapter: httpAdapter(this.dispatcher, transport) },
    );
    this.reconnector = new Reconnector(name, async () => {
      await this.listTools();
      this.onToolsChanged?.();
    });
  }

  async listTools(): Promise<ToolDefinition[]> {
    let response: AxiosResponse;
    try {
      response = await this.http.get('/tools', { timeout: LIST_TIMEOUT_MS });
    } catch (err) {
      const reason = networkReason(err);
      this.reconnector.failed(reason);
      throw this.unavailable(`upstream "${this.name}" is not reachable: ${reason}`);
    }
    if (response.status !== 200) {
      const reason = `GET /tools answered HTTP ${response.status}`;
      this.reconnector.failed(reason);
      throw this.unavailable(`upstream "${this.name}": ${reason}`);
    }
    this.reconnector.ready();
    return parseToolList(readBody(response.data as Buffer).data, this.name);
  }

  async callTool(name: string, args: Record<string, unknown>, { timeoutMs, signal, traceContext }: CallOptions): Promise<CallToolResult> {
    let response: AxiosResponse;
    try {
      const url = `/tools/${encodeURIComponent(name)}`;
      // The body as text: axios would copy an object member by member through its config merge.
      const data = JSON.stringify({ arguments: args });
      response = await this.http.request({ method: 'post', url, data, timeout: timeoutMs, signal, ...(traceContext ? { headers: traceContext } : {}) });
    } catch (err) {
      throw this.callFailure(err, name, timeoutMs, signal);
    }
    const { status } = response;
    const { data, cutFrom } = readBody(response.data as Buffer, this.limits);
    if (status >= 200 && status < 300) {
      const result = normalizeResult(data, this.name);
      if (cutFrom !== undefined) markTruncated(result, cutFrom);
      return result;
    }
    const detail = errorText(data);
    if (status === 400 || status === 404 || status === 422) {
      throw new UpstreamRejectedError(this.name, `upstream "${this.name}" rejected the call (HTTP ${status})${detail ? `: ${detail}` : ''}`);
    }
    throw new UpstreamFailedError(this.name, `upstream "${this.name}" failed (HTTP ${status})${detail ? `: ${detail}` : ''}`);
  }

  health(): UpstreamHealth {
    return this.reconnector.health();
  }

  async close(): Promise<void> {
    this.reconnector.close();
    for (const agent of [this.http.defaults.httpAgent, this.http.defaults.httpsAgent] as (http.Agent | undefined)[]) {
      agent?.destroy();
    }
    await this.dispatcher.destroy();
  }

  private unavailable(message: string): UpstreamUnavailableError {
    return new UpstreamUnavailableError(this.name, message, this.reconnector.retryAfterSeconds());
  }

  private callFailure(err: unknown, tool: string, timeoutMs: number, signal?: AbortSignal): UpstreamError {
    if (signal?.aborted || axios.isCancel(err)) return new CallCancelledError(this.name);
    const code = (err as { code?: string }).code ?? '';
    if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test((err as Error).message)) {
      // axios stops reading at the limit: the size seen is the declared one, or at least the limit.
      const declared = Number((err as { response?: { headers?: Record<string, unknown> } }).response?.headers?.['content-length'] ?? NaN);
      return new ResultTooLargeError(this.name, tool, Number.isFinite(declared) ? declared : this.limits.maxMessageBytes + 1, this.limits.maxMessageBytes);
    }
    if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return new UpstreamTimeoutError(this.name, timeoutMs);
    const reason = networkReason(err);
    if (NOT_SENT_CODES.has(code)) {
      this.reconnector.failed(reason);
      return this.unavailable(`upstream "${this.name}" is not reachable: ${reason}`);
    }
    return new UpstreamFailedError(this.name, `upstream "${this.name}" dropped the call (${reason}); the tool may have run`);
  }
}

/**
 * A body as the value it holds: JSON when it parses, else its text. A tool call's body (given its
 * `limits`) larger than an answer can use is cut while parsed (message-reader.ts), and `cutFrom`
 * is then its size; anything else is read whole.
 */
function readBody(body: Buffer, limits?: MessageLimits): { data: unknown; cutFrom?: number } {
  const { json, cutFrom } = limits ? cutBody(body, limits) : { json: body.toString('utf8'), cutFrom: undefined };
  try {
    return { data: JSON.parse(json), cutFrom };
  } catch {
    if (cutFrom === undefined || !limits) return { data: json };
    // Not JSON, and larger than an answer can use: its head, as text.
    return { data: body.subarray(0, limits.maxResultBytes).toString('utf8'), cutFrom: body.length };
  }
}

/** Whether the environment names an HTTP proxy (axios honours these, in either case). */
function proxyVariableSet(): boolean {
  return ['http_proxy', 'https_proxy', 'all_proxy'].some((name) => process.env[name] || process.env[name.toUpperCase()]);
}

/** Accepts a bare array or `{"tools": [...]}`, with `inputSchema` or `input_schema`. */
export function parseToolList(data: unknown, upstream: string): ToolDefinition[] {
  const list = Array.isArray(data) ? data : (data as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(list)) throw new UpstreamUnavailableError(upstream, `upstream "${upstream}": GET /tools did not return a tool list`);
  const tools: ToolDefinition[] = [];
  for (const item of list as Record<string, unknown>[]) {
    if (typeof item?.name !== 'string' || item.name === '') {
      log.warn('skipping a tool without a name', { upstream });
      continue;
    }
    const schema = item.inputSchema ?? item.input_schema;
    tools.push({
      name: item.name,
      description: typeof item.description === 'string' ? item.description : undefined,
      inputSchema: isObject(schema) ? schema : { type: 'object' },
      annotations: isObject(item.annotations) ? item.annotations : undefined,
    });
  }
  return tools;
}

/** Accepts a raw `CallToolResult`, `{"result": ...}`, a JSON-RPC envelope, or any JSON value. */
export function normalizeResult(data: unknown, upstream: string): CallToolResult {
  if (isObject(data) && 'jsonrpc' in data) {
    if (isObject(data.error)) {
      throw new UpstreamFailedError(upstream, `upstream "${upstream}" answered with an error: ${errorText(data)}`);
    }
    return normalizeResult(data.result, upstream);
  }
  if (hasContent(data)) return data as CallToolResult;
  // `{"result": CallToolResult}` or `{"result": value}` alone; other objects are the tool's own data.
  if (isObject(data) && 'result' in data && (hasContent(data.result) || Object.keys(data).length === 1)) {
    return normalizeResult(data.result, upstream);
  }
  if (typeof data === 'string') return { content: [{ type: 'text', text: data }] };
  return { content: [{ type: 'text', text: JSON.stringify(data ?? null, null, 2) }] };
}

function errorText(data: unknown): string {
  if (typeof data === 'string') return data.slice(0, 500);
  if (!isObject(data)) return '';
  const error = data.error;
  if (typeof error === 'string') return error;
  if (isObject(error) && typeof error.message === 'string') return error.message;
  if (typeof data.message === 'string') return data.message;
  return '';
}

function networkReason(err: unknown): string {
  const { code, message } = err as { code?: string; message?: string };
  // axios messages can carry the URL; the code alone is safe to show.
  return code ?? message?.split('\n')[0] ?? 'network error';
}

function hasContent(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.content);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
