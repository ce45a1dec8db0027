// The OpenAPI face: how long building /openapi.json takes for 1,000 tools (in this process, from
// the shim's own build, a new tool list each round so that no cache helps), how fast the shim
// serves the cached document, and the shim's CPU per call through POST /openapi/echo beside the
// chat face's on the same shim, at concurrency 64 (the two alternate, twice each after a round that warms both).
import { Buffer } from 'node:buffer';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MCPO_BODY, ROOT, call, chatBody, median, startNodeHelper, stop } from './lib.mjs';

const TOOLS = 1000;
const ROUNDS = 25;

/**
 * `startShim(name, servers)` and `measure(url, options)` are run.mjs's (profiling, durations).
 * Resolves with the figures `reportOpenapi` prints.
 */
export async function openapiBench(startShim, measure) {
  const upstream = await startNodeHelper('rest-echo.mjs', ['--tools', String(TOOLS - 1)], 'generated upstream');
  const shim = await startShim('shim-openapi', { bench: { type: 'rest', url: upstream.url } });
  try {
    const { tools } = JSON.parse((await call(`${upstream.url}/tools`)).text);
    const generation = await generationMs(tools);
    const started = performance.now();
    const first = await call(`${shim.url}/openapi.json`);
    const firstMs = performance.now() - started;
    const operations = Object.keys(JSON.parse(first.text).paths).length;
    const faces = [
      ['chat', `${shim.url}/tools/echo/chat/completions`, chatBody(false)],
      ['operation', `${shim.url}/openapi/echo`, MCPO_BODY],
    ];
    const cpu = { operation: [], chat: [] };
    // Round 0 warms both faces up (whichever ran first after start-up paid for it); rounds 1 and 2 count.
    for (let round = 0; round <= 2; round += 1) {
      for (const [face, url, body] of faces) {
        const check = await call(url, body);
        if (check.status !== 200 || !check.text.includes('hello')) throw new Error(`${face} answered ${check.status}: ${check.text.slice(0, 200)}`);
        const { cpuUsPerRequest } = await measure(url, { body, connections: 64, pid: shim.child.pid });
        if (round > 0) cpu[face].push(cpuUsPerRequest);
      }
    }
    // Last: sending the document (1 MB a time) leaves work for the garbage collector.
    const served = await measure(`${shim.url}/openapi.json`, { connections: 1, pid: shim.child.pid });
    const mean = (list) => list.reduce((sum, value) => sum + value, 0) / list.length;
    return {
      tools: operations,
      documentBytes: Buffer.byteLength(first.text),
      generationMs: generation,
      firstRequestMs: firstMs,
      served: { p50: served.p50, p99: served.p99 },
      cpuUsPerCall: { operation: mean(cpu.operation), chat: mean(cpu.chat) },
    };
  } finally {
    await Promise.all([stop(shim.child), stop(upstream.child)]);
  }
}

/** Median time to build and serialise the document for `definitions`, as a new tool list each round. */
async function generationMs(definitions) {
  const { OpenApiDocuments } = await import(path.join(ROOT, 'dist/openapi/cache.js'));
  const samples = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const tools = definitions.map((definition) => ({ name: definition.name, definition, upstream: { name: 'bench' } }));
    const documents = new OpenApiDocuments({ secured: false });
    const started = performance.now();
    documents.body(tools, {}, () => tools);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Prints the figures; returns the targets' rows for run.mjs's table. */
export function reportOpenapi(openapi) {
  const { operation, chat } = openapi.cpuUsPerCall;
  console.log(
    `\nOpenAPI face, ${openapi.tools} tools: /openapi.json (${(openapi.documentBytes / 1e6).toFixed(2)} MB) built in ${openapi.generationMs.toFixed(1)} ms ` +
      `(median of ${ROUNDS}; the shim's first request ${openapi.firstRequestMs.toFixed(1)} ms), served from the cache at p50 ${openapi.served.p50.toFixed(2)} ms, ` +
      `p99 ${openapi.served.p99.toFixed(2)} ms; CPU per call at c=64: operation ${Math.round(operation)} µs, chat ${Math.round(chat)} µs`,
  );
  return [
    ['1,000 tools: /openapi.json built in ≤ 50 ms', openapi.generationMs <= 50, `${openapi.generationMs.toFixed(1)} ms`],
    ["OpenAPI operation: CPU per call ≤ chat's", operation <= chat, `${Math.round(operation)} µs vs ${Math.round(chat)} µs`],
  ];
}
