#!/usr/bin/env node
// What axios costs per call, against node:http doing the same request: `node bench/packages/axios-cost.mjs`.
// One process runs every variant against the REST echo upstream at c=64, in interleaved rounds,
// and prints the median CPU per call of each (this process only; the upstream runs apart).
//   axios-default   axios.create with only the shim's options (deep-merged defaults, proxy lookup per call)
//   axios-shim      flat headers, no proxy lookup, axios's own http adapter
//   axios-adapter   as src/upstreams/rest.ts sets it up now: that, over our node:http adapter (dist/)
//   axios-lean      the same with the request and response transforms reduced to JSON.stringify / none
//   node-http       http.request on a keep-alive agent, body and answer as JSON
import { Buffer } from 'node:buffer';
import http from 'node:http';
import path from 'node:path';
import axios from 'axios';
import { median, ROOT, startNodeHelper, stop } from '../lib.mjs';

const { nodeHttpAdapter } = await import(path.join(ROOT, 'dist/upstreams/http-adapter.js'));

const ROUNDS = Number(process.env.ROUNDS ?? 12);
const CALLS = 10_000;
const BODY = { arguments: { message: 'hello' } };

const upstream = await startNodeHelper('rest-echo.mjs', [], 'REST upstream');
const options = () => ({ baseURL: upstream.url, httpAgent: new http.Agent({ keepAlive: true }), validateStatus: () => true, maxRedirects: 0 });

function viaAxios(flat, extra = {}) {
  const client = axios.create({ ...options(), ...(flat ? { proxy: false } : { headers: { 'content-type': 'application/json' } }), ...extra });
  if (flat) client.defaults.headers = { accept: 'application/json, text/plain, */*', 'content-type': 'application/json' };
  const decode = extra.responseType === 'arraybuffer' ? (answer) => ({ ...answer, data: JSON.parse(answer.data.toString()) }) : (answer) => answer;
  return () => client.post('/tools/echo', BODY, { timeout: 30_000 }).then(decode);
}

function viaNodeHttp() {
  const agent = new http.Agent({ keepAlive: true });
  const { hostname, port } = new URL(upstream.url);
  return () =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(BODY);
      const req = http.request({ hostname, port, path: '/tools/echo', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, data: JSON.parse(Buffer.concat(chunks).toString()) }));
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.end(body);
    });
}

const adapter = { adapter: nodeHttpAdapter, responseType: 'arraybuffer' };
const variants = {
  'axios-default': viaAxios(false),
  'axios-shim': viaAxios(true),
  'axios-adapter': viaAxios(true, adapter),
  'axios-lean': viaAxios(true, { ...adapter, transformRequest: [(data) => JSON.stringify(data)], transformResponse: [] }),
  'node-http': viaNodeHttp(),
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
