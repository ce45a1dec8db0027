import { AxiosError, AxiosHeaders, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import type { Dispatcher } from 'undici';

/**
 * An axios adapter on an undici dispatcher, for the REST upstream's calls: axios stays the client
 * the code talks to (its config, errors, `validateStatus`, `signal`), and this is the transport
 * under it.
 *
 * Written here rather than using axios's own http adapter, which serves every case axios knows
 * (redirects, proxies, decompression, streams, progress, form data) on every call, and on undici's
 * `dispatch` rather than `node:http`: measured alone, a call costs about half the CPU of
 * `http.request`, with no stream objects between the socket and the callbacks below. This one does
 * what the REST upstream needs: the dispatcher's keep-alive pool (given by the caller, with its TLS
 * options), `timeout` (idle, as axios's is: from the dispatch to the last byte, renewed by each
 * chunk), `signal`, `maxContentLength`, `responseType: 'arraybuffer'`, and JSON bodies (text as it
 * is, any other `data` encoded here; always sent as `application/json`). The errors are axios's:
 * the same classes, codes and messages as its http adapter gives for a timeout, a cancel, a
 * refused or reset connection, and a body over the limit. Proxies and redirects are not for this
 * adapter: rest.ts uses axios's own when a proxy variable is set.
 *
 * `defaults` are what every call of one upstream shares (its base URL, headers, size limit, bytes
 * as the answer), each overridden by a call's own config. They are the adapter's rather than
 * axios's instance defaults because axios merges every default into every call's config, then
 * checks and copies the result, and headers cost it most (each name and value checked as an
 * `AxiosHeaders` is built); an object body, likewise, it would copy member by member. Through the
 * whole shim, a REST call's CPU fell by about an eighth with both here.
 */
export function httpAdapter(dispatcher: Dispatcher, defaults: TransportDefaults = {}): AxiosAdapter {
  const defaultHeaders = lowerCased(defaults.headers ?? {});
  return (config) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      const { origin, pathPrefix, authorization } = parsedBase(config.baseURL ?? defaults.baseURL ?? '');
      const headers = lowerCased((config.headers as InstanceType<typeof AxiosHeaders>).toJSON() as Record<string, string>, { ...defaultHeaders });
      const body = jsonBody(config.data);
      // axios marks a POST without a content type as a form: these bodies are JSON.
      if (body !== undefined) headers['content-type'] = 'application/json';
      // As axios's http adapter: credentials in the URL replace an authorization header.
      if (authorization) headers.authorization = authorization;
      const { signal, timeout } = config;
      const limit = config.maxContentLength ?? defaults.maxContentLength ?? -1;
      let controller: Dispatcher.DispatchController | undefined;
      let response: AxiosResponse | undefined;
      let chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;

      const done = () => {
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener?.('abort', cancel);
      };
      const fail = (error: Error) => {
        if (settled) return;
        done();
        // Before the dispatcher has started the request, it is stopped when it does (onRequestStart).
        controller?.abort(error);
        reject(error);
      };
      const cancel = () => fail(new CanceledError(undefined, config));
      if (signal?.aborted) return cancel();
      if (timeout) timer = setTimeout(() => fail(new AxiosError(`timeout of ${timeout}ms exceeded`, AxiosError.ECONNABORTED, config)), timeout);
      signal?.addEventListener?.('abort', cancel, { once: true });

      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          if (settled) started.abort(new CanceledError(undefined, config));
          else controller = started;
        },
        onResponseStart(_controller, status, responseHeaders, statusText) {
          // 1xx answers are interim; the final one follows.
          if (status < 200) return;
          timer?.refresh();
          // As axios does, errors after the headers carry the response (status and headers, no data).
          response = { data: undefined, status, statusText: statusText ?? '', headers: new AxiosHeaders(responseHeaders as Record<string, string | string[]>), config: config as InternalAxiosRequestConfig, request: undefined };
        },
        onResponseData(_controller, chunk) {
          if (settled) return;
          size += chunk.length;
          if (limit > -1 && size > limit) {
            chunks = [];
            fail(new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config));
            return;
          }
          chunks.push(chunk);
          timer?.refresh();
        },
        onResponseEnd() {
          if (settled || !response) return;
          done();
          const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
          response.data = (config.responseType ?? defaults.responseType) === 'arraybuffer' ? data : data.toString('utf8');
          settle(resolve, reject, response);
        },
        onResponseError(_controller, err) {
          fail(axiosError(err, config, response));
        },
      };
      const path = `${pathPrefix}${config.url ?? ''}`;
      const method = (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod;
      // The call's own timer above is the timeout; undici's would only add timers of its own.
      dispatcher.dispatch({ origin, path, method, headers, body, headersTimeout: 0, bodyTimeout: 0 }, handler);
    });
}

/**
 * undici's errors in the shape axios's http adapter (node:http) gives for the same failure: the
 * peer closing the connection is `socket hang up` (ECONNRESET) before the answer's headers and
 * `stream has been aborted` after them; socket errors (ECONNREFUSED…) keep their code and message.
 */
function axiosError(err: Error, config: InternalAxiosRequestConfig, response?: AxiosResponse): AxiosError {
  const code = (err as { code?: string }).code;
  const closed = code === 'UND_ERR_SOCKET' || code === 'ECONNRESET';
  if (closed && response) return new AxiosError('stream has been aborted', AxiosError.ERR_BAD_RESPONSE, config, undefined, response);
  if (code === 'UND_ERR_SOCKET') return AxiosError.from(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), undefined, config);
  return AxiosError.from(err, undefined, config, undefined, response);
}

/** What every call through one adapter shares, unless its config says otherwise. */
export interface TransportDefaults {
  baseURL?: string;
  /** Sent with every request, under the call's own headers. */
  headers?: Record<string, string>;
  maxContentLength?: number;
  responseType?: 'arraybuffer';
}

interface Base {
  /** `scheme://host:port`, what undici dispatches to. */
  origin: string;
  pathPrefix: string;
  /** Basic authorization from `user:password` in the URL (as axios sends it). */
  authorization?: string;
}

/** Parsed base URLs: an upstream has one, and parsing it on every call showed in the profile. */
const bases = new Map<string, Base>();

function parsedBase(baseURL: string): Base {
  let parsed = bases.get(baseURL);
  if (!parsed) {
    const url = new URL(baseURL);
    const credentials = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
    parsed = {
      origin: url.origin,
      pathPrefix: url.pathname.replace(/\/$/, ''),
      authorization: credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`,
    };
    bases.set(baseURL, parsed);
  }
  return parsed;
}

/** axios's own rule (lib/core/settle.js): `validateStatus` decides, and a refusal is an AxiosError with the response. */
function settle(resolve: (response: AxiosResponse) => void, reject: (error: Error) => void, response: AxiosResponse): void {
  const { validateStatus } = response.config;
  if (!response.status || !validateStatus || validateStatus(response.status)) return resolve(response);
  const code = response.status >= 400 && response.status < 500 ? AxiosError.ERR_BAD_REQUEST : AxiosError.ERR_BAD_RESPONSE;
  reject(new AxiosError(`Request failed with status code ${response.status}`, code, response.config, response.request, response));
}

/** `headers` with lower-case names, into `into`: one entry per header whatever case each side used. */
function lowerCased(headers: Record<string, string>, into: Record<string, string> = {}): Record<string, string> {
  for (const name of Object.keys(headers)) into[name.toLowerCase()] = headers[name]!;
  return into;
}

/** A request's body as JSON text: text and bytes as they are, any other value encoded. */
function jsonBody(data: unknown): string | Buffer | undefined {
  if (data === undefined || data === null) return undefined;
  return typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data);
}
