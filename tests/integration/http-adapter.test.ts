import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import axios, { Axios, type AxiosAdapter, type AxiosRequestConfig } from 'axios';
import { writeFileSync } from 'node:fs';
import { Agent } from 'undici';
import { httpAdapter, type TransportDefaults } from '../../src/upstreams/http-adapter.js';
import { freePort } from '../helpers/free-port.js';
import { exited, serveProcess } from '../helpers/serve-process.js';

/** Routes that make each kind of answer and failure the REST upstream meets. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    switch (req.url) {
      case '/echo':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: req.method, body: body ? JSON.parse(body) : null, header: req.headers['x-test'] ?? null, auth: req.headers.authorization ?? null, type: req.headers['content-type'] ?? null }));
        return;
      case '/slow':
        setTimeout(() => res.end('late'), 2000).unref();
        return;
      case '/hang':
        return;
      case '/reset':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"partial": ');
        setTimeout(() => req.socket.destroy(), 50);
        return;
      case '/close':
        req.socket.destroy();
        return;
      case '/chunks':
        res.setHeader('content-type', 'application/json');
        res.write('{"parts": [');
        setImmediate(() => {
          res.write('"one", ');
          setImmediate(() => res.end('"two"]}'));
        });
        return;
      case '/interim':
        res.writeProcessing();
        res.setHeader('content-type', 'application/json');
        res.end('{"after": "102 Processing"}');
        return;
      case '/empty':
        res.statusCode = 204;
        res.end();
        return;
      case '/big':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ pad: 'x'.repeat(10_000) }));
        return;
      case '/tools':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } }] }));
        return;
      case '/tools/echo':
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ content: [{ type: 'text', text: `echo: ${(JSON.parse(body) as { arguments: { message: string } }).arguments.message}` }] }));
        return;
      case '/text':
        res.setHeader('content-type', 'text/plain');
        res.end('plain words');
        return;
      default:
        res.statusCode = 503;
        res.end('{"error": "down"}');
    }
  });
}

/**
 * What a caller can tell of an outcome: the answer, or the error's class, code, status and
 * message. The config is the REST upstream's: no redirects, no proxy, bodies as bytes.
 */
async function outcome(adapter: AxiosAdapter | 'http', config: AxiosRequestConfig) {
  return outcomeOf(() => axios.request({ ...config, adapter, proxy: false, maxRedirects: 0, responseType: 'arraybuffer' }));
}

async function outcomeOf(request: () => Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>) {
  try {
    const res = await request();
    return { status: res.status, data: Buffer.from(res.data as Buffer).toString(), type: res.headers['content-type'] };
  } catch (err) {
    const error = err as { name: string; code?: string; message: string; response?: { status: number } };
    return { axiosError: axios.isAxiosError(err), name: error.name, code: error.code, message: error.message, isCancel: axios.isCancel(err), status: error.response?.status };
  }
}

describe('the undici axios adapter keeps axios http adapter’s contract', () => {
  let server: http.Server;
  let secure: https.Server;
  let base: string;
  let secureBase: string;
  let dir: string;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'shim-adapter-'));
    // A private CA's certificate for 127.0.0.1 (self-signed: it is its own CA).
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(path.join(dir, 'cert.pem'));
    server = http.createServer(handler);
    secure = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: ca }, handler);
    await Promise.all([server, secure].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await Promise.all([dispatcher.close(), trusting.close()]);
    server.closeAllConnections();
    secure.closeAllConnections();
    await Promise.all([server, secure].map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  const agent = new http.Agent({ keepAlive: true });
  // Ours: one dispatcher with the system's CAs, as the REST upstream's, and one that trusts the private CA.
  const dispatcher = new Agent({ connectTimeout: 0 });
  let trusting: Agent;
  beforeAll(() => {
    trusting = new Agent({ connectTimeout: 0, connect: { ca } });
  });
  const adapterFor = (config: AxiosRequestConfig) => httpAdapter((config.httpsAgent as https.Agent | undefined)?.options.ca ? trusting : dispatcher);
  const cases: [string, () => AxiosRequestConfig][] = [
    ['a JSON POST with headers', () => ({ baseURL: base, url: '/echo', method: 'post', data: { arguments: { a: 1 } }, headers: { 'x-test': 'yes' }, httpAgent: agent })],
    ['a GET', () => ({ baseURL: base, url: '/echo', httpAgent: agent })],
    ['credentials in the base URL', () => ({ baseURL: base.replace('http://', 'http://user:p%40ss@'), url: '/echo', httpAgent: agent })],
    ['a body that is not JSON', () => ({ baseURL: base, url: '/text', httpAgent: agent })],
    ['an error status, validateStatus accepting all', () => ({ baseURL: base, url: '/down', validateStatus: () => true, httpAgent: agent })],
    ['an error status, axios’s default validateStatus', () => ({ baseURL: base, url: '/down', httpAgent: agent })],
    ['a timeout', () => ({ baseURL: base, url: '/slow', timeout: 200, httpAgent: agent })],
    ['a cancel', () => ({ baseURL: base, url: '/hang', signal: AbortSignal.timeout(150), httpAgent: agent })],
    ['a cancel before sending', () => ({ baseURL: base, url: '/echo', signal: AbortSignal.abort(), httpAgent: agent })],
    ['the connection closed before an answer', () => ({ baseURL: base, url: '/close', method: 'post', data: { c: 3 }, httpAgent: agent })],
    ['an answer in chunks', () => ({ baseURL: base, url: '/chunks', httpAgent: agent })],
    ['an interim 1xx answer, then the answer', () => ({ baseURL: base, url: '/interim', httpAgent: agent })],
    ['an answer without a body (204)', () => ({ baseURL: base, url: '/empty', httpAgent: agent })],
    ['a reset mid-body', () => ({ baseURL: base, url: '/reset', httpAgent: agent })],
    ['a body over maxContentLength', () => ({ baseURL: base, url: '/big', maxContentLength: 1000, httpAgent: agent })],
    ['HTTPS with a private CA', () => ({ baseURL: secureBase, url: '/echo', method: 'post', data: { b: 2 }, httpsAgent: new https.Agent({ keepAlive: true, ca }) })],
    ['HTTPS with a CA it does not trust', () => ({ baseURL: secureBase, url: '/echo', httpsAgent: new https.Agent({ keepAlive: true }) })],
  ];

  test.each(cases)('%s: the same outcome as axios’s http adapter', async (_what, config) => {
    const ours = await outcome(adapterFor(config()), config());
    const theirs = await outcome('http', config());
    expect(ours).toEqual(theirs);
  });

  test('a refused connection: the same outcome, code ECONNREFUSED', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const ours = await outcome(httpAdapter(dispatcher), { baseURL: closed, url: '/echo' });
    expect(ours).toEqual(await outcome('http', { baseURL: closed, url: '/echo' }));
    expect(ours).toMatchObject({ axiosError: true, code: 'ECONNREFUSED' });
  });

  test('a REST upstream over HTTPS with a private CA answers when NODE_EXTRA_CA_CERTS names the CA', async () => {
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { secure: { type: 'rest', url: secureBase } } }));
    const cli = path.resolve(__dirname, '../../dist/cli.js');
    const serve = await serveProcess(cli, ['--config', config, '--port', '0'], dir, { NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') });
    try {
      const res = await fetch(`${serve.url}/tools/echo/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'over TLS' }] }) });
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('echo: over TLS');
    } finally {
      serve.child.kill('SIGTERM');
      await exited(serve.child);
    }
  });

  test('with HTTP_PROXY set, a REST upstream is reached through the proxy (axios’s own adapter)', async () => {
    // A forward proxy: requests come with the absolute URL, and are sent on to it.
    const seen: string[] = [];
    const proxy = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const onward = http.request(req.url!, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      });
      req.pipe(onward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const config = path.join(dir, 'proxied.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { plain: { type: 'rest', url: base } } }));
    const cli = path.resolve(__dirname, '../../dist/cli.js');
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const serve = await serveProcess(cli, ['--config', config, '--port', '0'], dir, { HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' });
    try {
      const res = await fetch(`${serve.url}/tools/echo/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'via a proxy' }] }) });
      expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('echo: via a proxy');
      expect(seen).toEqual(expect.arrayContaining([`GET ${base}/tools`, `POST ${base}/tools/echo`]));
    } finally {
      serve.child.kill('SIGTERM');
      await exited(serve.child);
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  describe('the settings an adapter keeps for every call (as the REST upstream sets it up)', () => {
    const defaults = (): TransportDefaults => ({ baseURL: base, headers: { 'X-Test': 'kept', accept: 'application/json' }, maxContentLength: 1000, responseType: 'arraybuffer' });
    /** The same settings as axios's own instance defaults, over its http adapter, with its default JSON transform. */
    const asAxiosDefaults = (config: AxiosRequestConfig) =>
      outcomeOf(() => axios.create({ ...defaults(), adapter: 'http', proxy: false, maxRedirects: 0, httpAgent: agent }).request(config));
    const viaAdapter = (config: AxiosRequestConfig) => outcomeOf(() => new Axios({ adapter: httpAdapter(dispatcher, defaults()) }).request(config));

    test.each<[string, AxiosRequestConfig]>([
      ['an object body, sent as JSON with the kept headers', { method: 'post', url: '/echo', data: { arguments: { a: 1 } } }],
      ['a call’s own header over a kept one, in another case', { method: 'post', url: '/echo', data: { n: 1 }, headers: { 'x-test': 'the call' } }],
      ['a GET without a body', { url: '/echo' }],
      ['a body over the kept maxContentLength', { url: '/big' }],
      ['a call’s own maxContentLength over the kept one', { url: '/big', maxContentLength: 100_000 }],
    ])('%s: as axios’s instance defaults', async (_what, config) => {
      expect(await viaAdapter(config)).toEqual(await asAxiosDefaults(config));
    });

    test('the upstream sees one header per name, and JSON: an object encoded, text as it is (axios would call text a form)', async () => {
      for (const data of [{ n: 1 }, '{"n":1}']) {
        const seen = await viaAdapter({ method: 'post', url: '/echo', data, headers: { 'x-test': 'the call' } });
        expect(JSON.parse(seen.data as string)).toEqual({ method: 'POST', body: { n: 1 }, header: 'the call', auth: null, type: 'application/json' });
      }
    });
  });

  test('the outcomes themselves are the ones the REST upstream maps', async () => {
    const ours = (name: string) => {
      const config = cases.find(([what]) => what === name)![1]();
      return outcome(adapterFor(config), config);
    };
    expect(await ours('a timeout')).toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 200ms exceeded' });
    expect(await ours('the connection closed before an answer')).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(await ours('a reset mid-body')).toMatchObject({ code: 'ERR_BAD_RESPONSE', message: 'stream has been aborted', status: 200 });
    expect(await ours('a cancel')).toMatchObject({ name: 'CanceledError', isCancel: true });
    expect(await ours('a body over maxContentLength')).toMatchObject({ code: 'ERR_BAD_RESPONSE', message: 'maxContentLength size of 1000 exceeded' });
    expect(await ours('HTTPS with a private CA')).toMatchObject({ status: 200, data: '{"method":"POST","body":{"b":2},"header":null,"auth":null,"type":"application/json"}' });
    expect(await ours('credentials in the base URL')).toMatchObject({ data: expect.stringContaining(`"auth":"Basic ${Buffer.from('user:p@ss').toString('base64')}"`) });
  });
});
