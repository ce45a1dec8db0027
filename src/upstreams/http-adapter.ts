import http from 'node:http';
import https from 'node:https';
import { AxiosError, AxiosHeaders, CanceledError, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';

/**
 * An axios adapter on node:http, for the REST upstream's calls: axios stays the client the code
 * talks to (its config, errors, `validateStatus`, `signal`), and this is the transport under it.
 *
 * Written here rather than using axios's own http adapter, which serves every case axios knows
 * (redirects, proxies, decompression, streams, progress, form data) on every call: measured, it
 * cost about 100 µs per call more than node:http. This one does what the REST upstream needs:
 * keep-alive agents (`httpAgent`/`httpsAgent`), `timeout` (idle, as axios's is), `signal`,
 * `maxContentLength`, `responseType: 'arraybuffer'` bodies, and bodies axios has already turned
 * into strings. The errors are axios's: the same classes, codes and messages as its http adapter
 * gives for a timeout, a cancel, a refused or reset connection, and a body over the limit.
 * Proxies and redirects are not for this adapter: rest.ts uses axios's own when a proxy variable is set.
 */
export const nodeHttpAdapter: AxiosAdapter = (config) =>
  new Promise<AxiosResponse>((resolve, reject) => {
    const { secure, hostname, port, pathPrefix, auth } = origin(config.baseURL ?? '');
    const path = `${pathPrefix}${config.url ?? ''}`;
    const body = config.data as string | Buffer | undefined;
    const headers = (config.headers as InstanceType<typeof AxiosHeaders>).toJSON() as Record<string, string>;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const agent = (secure ? config.httpsAgent : config.httpAgent) as http.Agent | undefined;
    const { signal } = config;
    const limit = config.maxContentLength ?? -1;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener?.('abort', cancel);
      req.destroy();
      reject(error);
    };
    const cancel = () => fail(new CanceledError(undefined, config, req));

    const options = { hostname, port, path, auth, method: (config.method ?? 'get').toUpperCase(), headers, agent };
    const req = (secure ? https : http).request(options, (res) => {
      // As axios does, errors after the headers carry the response (status and headers, no data).
      const response: AxiosResponse = {
        data: undefined,
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: new AxiosHeaders(res.headers as Record<string, string>),
        config: config as InternalAxiosRequestConfig,
        request: req,
      };
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (limit > -1 && size > limit) {
          fail(new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config, req));
          return;
        }
        chunks.push(chunk);
      });
      res.on('aborted', () => fail(new AxiosError('stream has been aborted', AxiosError.ERR_BAD_RESPONSE, config, req, response)));
      res.on('error', (err) => fail(AxiosError.from(err, undefined, config, req, response)));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener?.('abort', cancel);
        const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        response.data = config.responseType === 'arraybuffer' ? data : data.toString('utf8');
        settle(resolve, reject, response);
      });
    });
    req.on('error', (err) => fail(AxiosError.from(err, undefined, config, req)));
    if (config.timeout) {
      req.setTimeout(config.timeout, () => fail(new AxiosError(`timeout of ${config.timeout}ms exceeded`, AxiosError.ECONNABORTED, config, req)));
    }
    if (signal) {
      if (signal.aborted) return cancel();
      signal.addEventListener?.('abort', cancel, { once: true });
    }
    req.end(body);
  });

interface Origin {
  secure: boolean;
  hostname: string;
  port: string;
  pathPrefix: string;
  /** `user:password` from the URL, sent as Basic authorization (as axios does). */
  auth?: string;
}

/** Parsed base URLs: an upstream has one, and parsing it on every call showed in the profile. */
const origins = new Map<string, Origin>();

function origin(baseURL: string): Origin {
  let parsed = origins.get(baseURL);
  if (!parsed) {
    const url = new URL(baseURL);
    const secure = url.protocol === 'https:';
    // IPv6 literals come bracketed in a URL and bare in a socket address.
    const auth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
    parsed = { secure, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (secure ? '443' : '80'), pathPrefix: url.pathname.replace(/\/$/, ''), auth };
    origins.set(baseURL, parsed);
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
