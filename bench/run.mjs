#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --profile]`: the shim side by side with the direct upstream, a
// bare node:http proxy and mcpo, in one run on loopback. Not a test: it prints a table and writes
// bench/results.json. Every process it starts is in its own process group and is killed on exit.
//   --quick     a few seconds per case (CI)
//   --profile   run the shims under `node --cpu-prof`; profiles go to bench/profiles/
import { spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  BENCH, CLI, DIRECT_BODY, MCPO_BODY, NODE, ROOT, STDIO_ECHO, TMP,
  call, chatBody, deadline, median, measure as measureFor, onFreePort, responsesBody, rssMb, start, startNodeHelper, startShim as startShimWith, stop, waitFor,
} from './lib.mjs';
import { bigResults, reportBigResults } from './big-results.mjs';
import { openapiBench, reportOpenapi } from './openapi.mjs';

const QUICK = process.argv.includes('--quick');
const PROFILE = process.argv.includes('--profile');
const DURATION_S = QUICK ? 2.5 : 10;
const WARMUP_S = QUICK ? 0.5 : 2;
const CONCURRENCY = [1, 64];
const DEADLINE_MS = QUICK ? 200_000 : 900_000;
const MCPO_VERSION = '0.0.20';
// mcpo 0.0.20 predates mcp 2 (renamed its client) and FastAPI 0.129 (refuses its keyword arguments).
const MCPO_PINS = [`mcpo==${MCPO_VERSION}`, 'mcp<2', 'fastapi<0.129'];

deadline(DEADLINE_MS);

/** The shim from dist/, profiled under --profile. */
function startShim(name, servers, options = {}) {
  return startShimWith(name, servers, { ...options, profile: PROFILE });
}

function measure(url, options) {
  return measureFor(url, { ...options, warmupS: WARMUP_S, durationS: DURATION_S });
}

function startMcpo() {
  return mcpoBinary().then((bin) => (typeof bin === 'string' ? onFreePort((port) => startMcpoOn(bin, port)) : bin));
}

async function startMcpoOn(bin, port) {
  const logFile = path.join(TMP, `mcpo-${port}.log`);
  const logFd = fs.openSync(logFile, 'w');
  const child = start(bin, ['--host', '127.0.0.1', '--port', String(port), '--log-level', 'WARNING', '--', NODE, STDIO_ECHO], { stderr: logFd });
  fs.closeSync(logFd);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(() => call(`${url}/echo`, MCPO_BODY).then((answer) => answer.status === 200), 'mcpo', child, 60_000);
  } catch (err) {
    // uvicorn's "address already in use" sends onFreePort to another port.
    throw new Error(`${err.message}: ${fs.readFileSync(logFile, 'utf8').slice(-500)}`);
  }
  return { child, url };
}

/**
 * mcpo in a cached virtual environment, installed with pip the first time by the e2e suite's
 * tests/e2e/pip-venv.sh (a lock shared by every clone on the machine, the same cache entry).
 */
async function mcpoBinary() {
  const result = spawnSync('bash', [path.join(ROOT, 'tests/e2e/pip-venv.sh'), 'mcpo', MCPO_VERSION, 'mcpo', ...MCPO_PINS], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    const reason = result.error?.message ?? (result.signal ? 'timed out' : result.stderr.trim().split('\n').pop());
    return { skipped: `installing mcpo failed: ${reason}` };
  }
  return result.stdout.trim();
}

// --- the run ----------------------------------------------------------------------------------

const CASES = [
  { id: 'direct', label: '(1) REST upstream, direct' },
  { id: 'proxy', label: '(2) bare node:http proxy' },
  { id: 'shim-rest', label: '(3) shim → REST' },
  { id: 'shim-rest-stream', label: '(3) shim → REST, streaming' },
  { id: 'shim-rest-responses', label: '(3) shim → REST, Responses' },
  { id: 'shim-rest-responses-stream', label: '(3) … Responses, streaming' },
  { id: 'shim-stdio', label: '(4) shim → stdio' },
  { id: 'mcpo', label: '(5) mcpo → stdio' },
  // What observability costs, by CPU per call at c=64 beside (3), which has metrics on, tracing off.
  { id: 'shim-rest-no-metrics', label: '(3) … metrics off', only: 64 },
  { id: 'shim-rest-traced', label: '(3) … tracing on', only: 64 },
  // An agent model, one step per call (two LLM turns and the echo call) with a stand-in LLM that answers at once.
  { id: 'agent', label: '(6) agent → REST, 1 step' },
  // The same step on the Responses API: stored (the default, in memory) and with `store: false`.
  { id: 'agent-stored', label: '(6) … Responses, stored', only: 64 },
  { id: 'agent-unstored', label: '(6) … Responses, store: false', only: 64 },
];

async function main() {
  if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first');
  console.log(`mcp-model-shim bench${QUICK ? ' (quick)' : ''}: ${os.cpus().length} cores, Node ${process.version}, ` +
    `${DURATION_S} s per case after ${WARMUP_S} s warm-up, concurrency ${CONCURRENCY.join(' and ')}`);
  const results = { machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, quick: QUICK, runs: [], skipped: {} };

  const rest = await startNodeHelper('rest-echo.mjs', [], 'REST upstream');
  const proxy = await startNodeHelper('bare-proxy.mjs', [rest.url], 'bare proxy');
  const shimRest = await startShim('shim-rest', { bench: { type: 'rest', url: rest.url } });
  const shimRestIdleMb = rssMb(shimRest.child.pid);
  const shimStdio = await startShim('shim-stdio', { bench: { command: NODE, args: [STDIO_ECHO] } });
  const shimStdioIdleMb = rssMb(shimStdio.child.pid);
  const otlp = await startNodeHelper('otlp-null.mjs', [], 'OTLP endpoint');
  const shimNoMetrics = await startShim('shim-rest-no-metrics', { bench: { type: 'rest', url: rest.url } }, { server: { metrics: false } });
  const shimTraced = await startShim('shim-rest-traced', { bench: { type: 'rest', url: rest.url } }, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url } });
  const scriptedLlm = await startNodeHelper('scripted-llm.mjs', [], 'stand-in LLM');
  const shimAgent = await startShim('shim-agent', { bench: { type: 'rest', url: rest.url } }, {
    extra: { llm: { baseUrl: `${scriptedLlm.url}/v1`, model: 'bench' }, agents: { helper: { tools: ['echo'], allowMutations: true } } },
  });
  const mcpo = await startMcpo();
  if (mcpo.skipped) {
    results.skipped.mcpo = mcpo.skipped;
    console.log(`(5) mcpo skipped: ${mcpo.skipped}`);
  }
  const targets = {
    direct: { url: `${rest.url}/tools/echo`, body: DIRECT_BODY, pid: rest.child.pid },
    proxy: { url: `${proxy.url}/tools/echo`, body: DIRECT_BODY, pid: proxy.child.pid },
    'shim-rest': { url: `${shimRest.url}/tools/echo/chat/completions`, body: chatBody(false), pid: shimRest.child.pid, rss: true },
    'shim-rest-stream': { url: `${shimRest.url}/tools/echo/chat/completions`, body: chatBody(true), pid: shimRest.child.pid, rss: true },
    'shim-rest-responses': { url: `${shimRest.url}/tools/echo/responses`, body: responsesBody(false), pid: shimRest.child.pid, rss: true },
    'shim-rest-responses-stream': { url: `${shimRest.url}/tools/echo/responses`, body: responsesBody(true), pid: shimRest.child.pid, rss: true },
    'shim-stdio': { url: `${shimStdio.url}/tools/echo/chat/completions`, body: chatBody(false), pid: shimStdio.child.pid, rss: true },
    ...(mcpo.url ? { mcpo: { url: `${mcpo.url}/echo`, body: MCPO_BODY, pid: mcpo.child.pid } } : {}),
    'shim-rest-no-metrics': { url: `${shimNoMetrics.url}/tools/echo/chat/completions`, body: chatBody(false), pid: shimNoMetrics.child.pid },
    'shim-rest-traced': { url: `${shimTraced.url}/tools/echo/chat/completions`, body: chatBody(false), pid: shimTraced.child.pid },
    agent: { url: `${shimAgent.url}/tools/helper/chat/completions`, body: chatBody(false), pid: shimAgent.child.pid },
    'agent-stored': { url: `${shimAgent.url}/tools/helper/responses`, body: responsesBody(false), pid: shimAgent.child.pid },
    'agent-unstored': { url: `${shimAgent.url}/tools/helper/responses`, body: responsesBody(false, { store: false }), pid: shimAgent.child.pid },
  };

  for (const connections of CONCURRENCY) {
    for (const { id, label, only } of CASES) {
      const target = targets[id];
      if (!target || (only && only !== connections)) continue;
      const check = await call(target.url, target.body);
      if (check.status !== 200 || !check.text.includes('hello')) throw new Error(`${label} answered ${check.status}: ${check.text.slice(0, 200)}`);
      const run = { id, label, connections, ...(await measure(target.url, { ...target, connections })) };
      results.runs.push(run);
      console.log(`  ${label.padEnd(30)} c=${String(connections).padEnd(3)} p50 ${ms(run.p50)}  p99 ${ms(run.p99)}  ${Math.round(run.rps)} req/s  ${Math.round(run.cpuUsPerRequest)} µs CPU/req`);
    }
  }
  results.shimRest = { startupMs: shimRest.startupMs, rssIdleMb: shimRestIdleMb, rssLoadMb: maxRss(results.runs, ['shim-rest', 'shim-rest-stream', 'shim-rest-responses', 'shim-rest-responses-stream']) };
  results.shimStdio = { startupMs: shimStdio.startupMs, rssIdleMb: shimStdioIdleMb, rssLoadMb: maxRss(results.runs, ['shim-stdio']) };
  await Promise.all([shimRest, shimStdio, mcpo, proxy, shimNoMetrics, shimTraced, otlp, shimAgent, scriptedLlm].filter((p) => p.child).map((p) => stop(p.child)));

  // 1,000 tools: start-up, /v1/models, memory.
  const many = await startNodeHelper('rest-echo.mjs', ['--tools', '1000'], 'generated upstream');
  const shimMany = await startShim('shim-1000-tools', { bench: { type: 'rest', url: many.url } });
  const manyIdleMb = rssMb(shimMany.child.pid);
  const listed = JSON.parse((await call(`${shimMany.url}/v1/models`)).text).data.length;
  const models = await measure(`${shimMany.url}/v1/models`, { connections: 1, pid: shimMany.child.pid, rss: true });
  const callsMany = await measure(`${shimMany.url}/tools/echo/chat/completions`, { body: chatBody(false), connections: 64, pid: shimMany.child.pid, rss: true });
  results.thousandTools = { tools: listed, startupMs: shimMany.startupMs, rssIdleMb: manyIdleMb, rssLoadMb: callsMany.rssMaxMb, models };
  await Promise.all([stop(shimMany.child), stop(many.child), stop(rest.child)]);

  results.render = await renderTimes();
  results.bigResults = await bigResults(startShim);
  results.openapi = await openapiBench(startShim, measure);
  report(results);
  fs.writeFileSync(path.join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote bench/results.json${PROFILE ? '; CPU profiles in bench/profiles/' : ''}`);
}

/**
 * How long rendering one result blocks the event loop: the PostgreSQL server's answer form (a
 * preamble, then the rows as JSON) with 1,000 and 100,000 rows, as today's text (`render: text`),
 * as Markdown (`auto`: a table of the first 50 rows) and as one JSON document (`response_format`).
 */
async function renderTimes() {
  const { renderResult } = await import(path.join(ROOT, 'dist/render/result.js'));
  const { jsonDocument } = await import(path.join(ROOT, 'dist/render/json-document.js'));
  const MAX_BYTES = 1024 * 1024;
  const out = {};
  for (const rows of [1_000, 100_000]) {
    const data = Array.from({ length: rows }, (_, i) => ({ id: i, item: `item ${i}`, amount: i * 1.5, note: i % 7 ? null : 'a | b' }));
    const result = { content: [{ type: 'text', text: `Query executed successfully. Retrieved ${rows} rows.\n\nResults:\n${JSON.stringify(data, null, 2)}` }] };
    const time = (render) => {
      const runs = rows > 10_000 ? 5 : 50;
      const samples = [];
      for (let i = 0; i < runs; i += 1) {
        const started = performance.now();
        render();
        samples.push(performance.now() - started);
      }
      return median(samples);
    };
    out[rows] = {
      textBytes: Buffer.byteLength(result.content[0].text),
      textMs: time(() => renderResult(result, { mode: 'text', maxBytes: MAX_BYTES })),
      autoMs: time(() => renderResult(result, { mode: 'auto', maxBytes: MAX_BYTES, tool: 'pg_execute_query' })),
      jsonMs: time(() => jsonDocument(result, MAX_BYTES)),
    };
  }
  return out;
}

function maxRss(runs, ids) {
  return Math.max(...runs.filter((run) => ids.includes(run.id)).map((run) => run.rssMaxMb));
}

function signed(value) {
  return `${value >= 0 ? '+' : ''}${Math.round(value)}`;
}

function ms(value) {
  return `${value.toFixed(3)} ms`.padStart(10);
}

function report(results) {
  const find = (id, c) => results.runs.find((run) => run.id === id && run.connections === c);
  const rows = [['case', 'conc', 'p50 ms', 'p99 ms', 'req/s', 'req/s ÷ (1)', 'req/s ÷ (2)', '+p50 vs (1)', '+p99 vs (1)', 'CPU µs/req']];
  for (const run of results.runs) {
    const direct = find('direct', run.connections);
    const proxy = find('proxy', run.connections);
    rows.push([
      run.label,
      String(run.connections),
      run.p50.toFixed(3),
      run.p99.toFixed(3),
      String(Math.round(run.rps)),
      (run.rps / direct.rps).toFixed(2),
      (run.rps / proxy.rps).toFixed(2),
      (run.p50 - direct.p50).toFixed(3),
      (run.p99 - direct.p99).toFixed(3),
      String(Math.round(run.cpuUsPerRequest)),
    ]);
    if (run.failures) rows[rows.length - 1][0] += ` (${run.failures} failed)`;
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  console.log(`\n${line(rows[0])}\n| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  for (const row of rows.slice(1)) console.log(line(row));

  const { shimRest, shimStdio, thousandTools, render } = results;
  console.log('\nrender time per result (median; the PostgreSQL answer form, maxResultBytes 1 MiB):');
  for (const [rows, r] of Object.entries(render)) {
    console.log(`  ${rows.padStart(6)} rows (${(r.textBytes / 1e6).toFixed(2)} MB of text): text ${r.textMs.toFixed(2)} ms, table (auto) ${r.autoMs.toFixed(2)} ms, JSON ${r.jsonMs.toFixed(2)} ms`);
  }
  const plain = find('shim-rest-no-metrics', 64);
  const traced = find('shim-rest-traced', 64);
  const metered = find('shim-rest', 64);
  if (plain && traced && metered) {
    console.log(`\nobservability, CPU per call at c=64 (shim → REST): metrics off ${Math.round(plain.cpuUsPerRequest)} µs, ` +
      `metrics on ${Math.round(metered.cpuUsPerRequest)} µs (${signed(metered.cpuUsPerRequest - plain.cpuUsPerRequest)} µs), ` +
      `metrics and tracing on ${Math.round(traced.cpuUsPerRequest)} µs (${signed(traced.cpuUsPerRequest - metered.cpuUsPerRequest)} µs for tracing)`);
  }
  const agent1 = find('agent', 1);
  const agent64 = find('agent', 64);
  const tool1 = find('shim-rest', 1);
  if (agent1 && agent64 && tool1) {
    console.log(`agent step (two LLM turns and one tool call, stand-in LLM answering at once): p50 ${agent1.p50.toFixed(2)} ms at c=1 ` +
      `(a plain tool call ${tool1.p50.toFixed(2)} ms); ${Math.round(agent64.cpuUsPerRequest)} µs of shim CPU per call at c=64 ` +
      `(${signed(agent64.cpuUsPerRequest - metered.cpuUsPerRequest)} µs over a plain tool call)`);
  }
  const stored = find('agent-stored', 64);
  const unstored = find('agent-unstored', 64);
  if (stored && unstored) {
    console.log(`agent step on the Responses API, shim CPU per call at c=64: stored (in memory) ${Math.round(stored.cpuUsPerRequest)} µs, ` +
      `store: false ${Math.round(unstored.cpuUsPerRequest)} µs (${signed(stored.cpuUsPerRequest - unstored.cpuUsPerRequest)} µs for storing)`);
  }
  console.log(`\nshim → REST:  start-up to first answer ${Math.round(shimRest.startupMs)} ms; RSS idle ${shimRest.rssIdleMb} MB, under load ${shimRest.rssLoadMb} MB`);
  console.log(`shim → stdio: start-up to first answer ${Math.round(shimStdio.startupMs)} ms (includes spawning the MCP server); RSS idle ${shimStdio.rssIdleMb} MB, under load ${shimStdio.rssLoadMb} MB`);
  console.log(`${thousandTools.tools} tools: start-up ${Math.round(thousandTools.startupMs)} ms; GET /v1/models p50 ${thousandTools.models.p50.toFixed(2)} ms, p99 ${thousandTools.models.p99.toFixed(2)} ms; RSS idle ${thousandTools.rssIdleMb} MB, while listing ${thousandTools.models.rssMaxMb} MB, under calls at c=64 ${thousandTools.rssLoadMb} MB`);

  const shim1 = find('shim-rest', 1);
  const direct1 = find('direct', 1);
  const shim64 = find('shim-rest', 64);
  const proxy64 = find('proxy', 64);
  const stdio64 = find('shim-stdio', 64);
  // The Responses face against chat, JSON and streaming, by CPU per call at c=64 (steadier than req/s).
  const facesCpu = [
    ['JSON', find('shim-rest-responses', 64), shim64],
    ['streaming', find('shim-rest-responses-stream', 64), find('shim-rest-stream', 64)],
  ].map(([kind, responses, chat]) => [kind, responses.cpuUsPerRequest / chat.cpuUsPerRequest]);
  const mcpo64 = find('mcpo', 64);
  const targets = [
    // The hot path's targets.
    ['added p50 at c=1 ≤ 0.3 ms', shim1.p50 - direct1.p50 <= 0.3, `${(shim1.p50 - direct1.p50).toFixed(3)} ms`],
    ['added p99 at c=1 ≤ 2 ms', shim1.p99 - direct1.p99 <= 2, `${(shim1.p99 - direct1.p99).toFixed(3)} ms`],
    ['CPU per call at c=64, REST ≤ 600 µs', shim64.cpuUsPerRequest <= 600, `${Math.round(shim64.cpuUsPerRequest)} µs`],
    ['CPU per call at c=64, stdio ≤ 250 µs', stdio64.cpuUsPerRequest <= 250, `${Math.round(stdio64.cpuUsPerRequest)} µs`],
    ['CPU per call at c=64, REST ≤ 2 × stdio', shim64.cpuUsPerRequest <= 2 * stdio64.cpuUsPerRequest, `${(shim64.cpuUsPerRequest / stdio64.cpuUsPerRequest).toFixed(2)} ×`],
    ['req/s at c=64 ≥ 0.4 × bare proxy (REST)', shim64.rps >= 0.4 * proxy64.rps, `${(shim64.rps / proxy64.rps).toFixed(2)} ×`],
    mcpo64
      ? ['stdio req/s at c=64 ≥ 4 × mcpo', stdio64.rps >= 4 * mcpo64.rps, `${(stdio64.rps / mcpo64.rps).toFixed(2)} ×`]
      : ['stdio req/s at c=64 ≥ 4 × mcpo', undefined, 'mcpo skipped'],
    ['RSS under load ≤ 120 MB (1 tool: REST, stdio; 1,000 tools)', Math.max(shimRest.rssLoadMb, shimStdio.rssLoadMb, thousandTools.rssLoadMb) <= 120,
      `${shimRest.rssLoadMb} MB, ${shimStdio.rssLoadMb} MB; ${thousandTools.rssLoadMb} MB`],
    // Targets already met, kept so that nothing regresses.
    ...facesCpu.map(([kind, ratio]) => [`Responses ${kind}: CPU per call ≤ 1.1 × chat's`, ratio <= 1.1, `${ratio.toFixed(2)} ×`]),
    ['1,000 tools: /v1/models p50 ≤ 5 ms', thousandTools.models.p50 <= 5, `${thousandTools.models.p50.toFixed(2)} ms`],
    ['start-up ≤ 1 s (REST upstream)', shimRest.startupMs <= 1000 && thousandTools.startupMs <= 1000, `${Math.round(shimRest.startupMs)} ms, ${Math.round(thousandTools.startupMs)} ms with 1,000 tools`],
    ...reportBigResults(results.bigResults),
    ...reportOpenapi(results.openapi),
  ];
  results.targets = targets.map(([target, met, value]) => ({ target, met, value }));
  console.log('\ntargets:');
  for (const [target, met, value] of targets) console.log(`  ${met === undefined ? 'n/a ' : met ? 'met ' : 'MISS'}  ${target}: ${value}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  },
);
