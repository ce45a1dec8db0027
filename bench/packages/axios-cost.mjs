#!/usr/bin/env node
// What axios costs per call, against node:http and undici doing the same request: `node bench/packages/axios-cost.mjs`.
// One process runs every variant against the REST echo upstream at c=64, in interleaved rounds,
// and prints the median CPU per call of each (this process only; the upstream runs apart).
//   axios-default   axios.create with only the shim's options (global defaults merged in, proxy lookup per call)
//   axios-http      as src/upstreams/rest.ts sets it up when a proxy variable is set: new Axios with the
//                   upstream's settings as its only defaults, over axios's own http adapter
//   axios-shim      as src/upstreams/rest.ts sets it up otherwise: new Axios over the shim's undici adapter
//                   (dist/), which keeps the upstream's settings itself; request() with the body as JSON text
//   node-http       http.request on a keep-alive agent, body and answer as JSON
//   undici          undici's dispatch on a keep-alive Agent, body and answer as JSON
// ROUNDS=N sets the rounds (default 12).
import { Buffer } from 'node:buffer';
import http from 'node:http';
import path from 'node:path';
import axios from 'axios';
import { Agent } from 'undici';
import { median, ROOT, startNodeHelper, stop } from '../lib.mjs';

const { httpAdapter } = await import(path.join(ROOT, 'dist/upstreams/http-adapter.js'));

const ROUNDS = Number(process.env.ROUNDS ?? 12);
const CALLS = 10_000;
const BODY = { arguments: { message: 'hello' } };

const upstream = await startNodeHelper('rest-echo.mjs', [], 'REST upstream');
const HEADERS = { accept: 'application/json, text/plain, */*', 'content-type': 'application/json' };
const decode = (answer) => ({ ...answer, data: JSON.parse(answer.data.toString()) });

function axiosDefault() {
  const client = axios.create({ baseURL: upstream.url, httpAgent: new http.Agent({ keepAlive: true }), validateStatus: () => true, maxRedirects: 0, headers: { 'content-type': 'application/json' } });
  return () => client.post('/tools/echo', BODY, { timeout: 30_000 });
}

/** The upstream's settings, as rest.ts gives them to its adapter or, with a proxy, to axios. */
const TRANSPORT = { baseURL: upstream.url, headers: HEADERS, responseType: 'arraybuffer' };

function axiosShim(config) {
  const client = new axios.Axios(config);
  return () => client.request({ method: 'post', url: '/tools/echo', data: JSON.stringify(BODY), timeout: 30_000 }).then(decode);
}

function viaNodeHttp() {
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(upstream.url);
  return () =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(BODY);
      const req = http.request({ hostname, port, path: '/tools/echo', method: 'POST', agent, headers: { ...HEADERS, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, data: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.end(body);
    });
}

function viaUndici() {
  const dispatcher = new Agent();
  return () =>
    new Promise((resolve, reject) => {
      let status;
      const chunks = [];
      const handler = {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, data: JSON.parse(Buffer.concat(chunks).toString()) });
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      };
      dispatcher.dispatch({ origin: upstream.url, path: '/tools/echo', method: 'POST', headers: HEADERS, body: JSON.stringify(BODY), headersTimeout: 30_000, bodyTimeout: 30_000 }, handler);
    });
}

const variants = {
  'axios-default': axiosDefault(),
  'axios-http': axiosShim({
    ...TRANSPORT,
    adapter: 'http',
    maxRedirects: 0,
    transformRequest: [(data) => (data === undefined || typeof data === 'string' ? data : JSON.stringify(data))],
    transformResponse: [],
    httpAgent: new http.Agent({ keepAlive: true }),
  }),
  'axios-shim': axiosShim({ adapter: httpAdapter(new Agent({ connectTimeout: 0 }), TRANSPORT) }),
  'node-http': viaNodeHttp(),
  undici: viaUndici(),
};

async function run(call, n) {
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next++ < n) {
      const answer = await call();
      if (answer.status !== 200 || answer.data.content?.[0]?.text !== 'hello') throw new Error(`unexpected answer ${answer.status}`);
    }
  }));
}

for (const call of Object.values(variants)) await run(call, CALLS); // warm-up
const samples = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [name, call] of Object.entries(variants)) {
    const before = process.cpuUsage();
    await run(call, CALLS);
    const used = process.cpuUsage(before);
    samples[name].push((used.user + used.system) / CALLS);
  }
}
console.log(`CPU per call at c=64, median of ${ROUNDS} interleaved rounds of ${CALLS} calls:`);
for (const [name, list] of Object.entries(samples)) {
  console.log(`  ${name.padEnd(14)} ${Math.round(median(list))} µs  (${Math.round(Math.min(...list))}–${Math.round(Math.max(...list))})`);
}
await stop(upstream.child);
process.exit(0);
