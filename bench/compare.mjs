#!/usr/bin/env node
// `npm run bench:compare -- [options] DIST…`: builds of the shim side by side, for one change's
// before → after. Each DIST is a build output directory (`cp -r dist dist-before` before the
// change, then `npm run build`); every build serves the same upstream, and the rounds interleave
// the builds (rotating who goes first) so that the machine's drift hits them all alike. Prints CPU
// per call (the shim process alone), req/s and p50 per round, then the medians.
//   --case rest|rest-stream|responses|responses-stream|stdio|http|http-v2   which call (default rest: chat
//                   completions, JSON); stdio, http and http-v2 call an MCP server: over stdio, over
//                   streamable HTTP with the 1.x SDK's server (older revisions, a session per
//                   client), over streamable HTTP with the v2 server package (the newest revision
//                   both ends speak)
//   --rounds N      rounds per build (default 5)
//   --seconds S     load per round, after 1 s of warm-up (default 5)
//   --connections C concurrency (default 64)
//   --env K=V       set in every shim's environment (repeatable)
//   --pin           the shims on the last core, this process (the load) and the upstream on the
//                   others (Linux, taskset): a shim's CPU per call then moves less with where the
//                   scheduler puts it
//   --fresh         a new shim process per build and round (one process's JIT can settle 10 % off
//                   another's: this spreads that over the rounds instead of biasing one build)
// A DIST may carry node flags for its shim after `::`, e.g. `dist::--max-semi-space-size=8`.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NODE, STDIO_ECHO, call, chatBody, deadline, measure, median, responsesBody, rssMb, startNodeHelper, startShim, stop } from './lib.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    case: { type: 'string', default: 'rest' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    env: { type: 'string', multiple: true, default: [] },
    fresh: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
  },
});
const CASES = {
  rest: { path: 'chat/completions', body: chatBody(false) },
  'rest-stream': { path: 'chat/completions', body: chatBody(true) },
  responses: { path: 'responses', body: responsesBody(false) },
  'responses-stream': { path: 'responses', body: responsesBody(true) },
  stdio: { path: 'chat/completions', body: chatBody(false), stdio: true },
  http: { path: 'chat/completions', body: chatBody(false), http: '1' },
  'http-v2': { path: 'chat/completions', body: chatBody(false), http: '2' },
};
const kase = CASES[values.case];
if (!kase || positionals.length === 0) {
  console.error('usage: node bench/compare.mjs [--case rest|rest-stream|responses|responses-stream|stdio|http|http-v2] [--rounds N] [--seconds S] [--connections C] DIST…');
  process.exit(2);
}
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const env = Object.fromEntries(values.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
deadline((positionals.length * rounds * (seconds + (values.fresh ? 8 : 3)) + 120) * 1000);

const lastCore = os.cpus().length - 1;
/** Pins a process, every thread of it, to `cores` (a taskset list), under --pin. */
function pin(pid, cores) {
  if (values.pin) execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

async function main() {
  pin(process.pid, `0-${Math.max(0, lastCore - 1)}`);
  const rest = await startNodeHelper('rest-echo.mjs', [], 'REST upstream');
  pin(rest.child.pid, `0-${Math.max(0, lastCore - 1)}`);
  const mcpHttp = kase.http ? await startNodeHelper('http-echo.mjs', ['--sdk', kase.http], 'streamable-HTTP upstream') : undefined;
  const servers = kase.stdio
    ? { bench: { command: NODE, args: [STDIO_ECHO] } }
    : mcpHttp
      ? { bench: { type: 'streamable-http', url: `${mcpHttp.url}/mcp` } }
      : { bench: { type: 'rest', url: rest.url } };
  const builds = [];
  for (const [index, spec] of positionals.entries()) {
    const [dir, flags] = spec.split('::');
    const nodeOptions = [process.env.NODE_OPTIONS, flags].filter(Boolean).join(' ');
    const launch = async () => {
      const shim = await startShim(`build-${index}`, servers, { cli: path.resolve(dir, 'cli.js'), env: { ...env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) } });
      pin(shim.child.pid, String(lastCore));
      const url = `${shim.url}/tools/echo/${kase.path}`;
      const check = await call(url, kase.body);
      if (check.status !== 200 || !check.text.includes('hello')) throw new Error(`${spec} answered ${check.status}: ${check.text.slice(0, 200)}`);
      // A fresh process runs its first seconds unoptimized: one untimed round.
      await measure(url, { body: kase.body, connections, pid: shim.child.pid, warmupS: 2, durationS: 1 });
      return { shim, url };
    };
    builds.push({ dist: spec, launch, ...(values.fresh ? {} : await launch()), runs: [] });
  }
  console.log(`${values.case}, c=${connections}, ${rounds} rounds of ${seconds} s per build${values.fresh ? ', a fresh process each' : ''}`);
  for (let round = 0; round < rounds; round += 1) {
    const order = builds.map((_, i) => builds[(i + round) % builds.length]);
    for (const build of order) {
      if (values.fresh) Object.assign(build, await build.launch());
      const run = await measure(build.url, { body: kase.body, connections, pid: build.shim.child.pid, rss: true, warmupS: 1, durationS: seconds });
      build.runs.push(run);
      console.log(`  round ${round + 1}  ${build.dist.padEnd(24)} ${Math.round(run.cpuUsPerRequest).toString().padStart(5)} µs CPU/call  ` +
        `${Math.round(run.rps).toString().padStart(5)} req/s  p50 ${run.p50.toFixed(2)} ms${run.failures ? `  (${run.failures} failed)` : ''}`);
      if (values.fresh && round < rounds - 1) await stop(build.shim.child);
    }
  }
  console.log('\nmedians:');
  // Each build's round against the first build's round of the same number: the machine drifts
  // between rounds far more than within one, so the median of these paired ratios is the steadier figure.
  const paired = (build) => median(build.runs.map((run, i) => run.cpuUsPerRequest / builds[0].runs[i].cpuUsPerRequest));
  for (const build of builds) {
    const cpu = median(build.runs.map((run) => run.cpuUsPerRequest));
    console.log(`  ${build.dist.padEnd(24)} ${Math.round(cpu).toString().padStart(5)} µs CPU/call (paired: ${((paired(build) - 1) * 100).toFixed(1).padStart(5)} %)  ` +
      `${Math.round(median(build.runs.map((run) => run.rps))).toString().padStart(5)} req/s  p50 ${median(build.runs.map((run) => run.p50)).toFixed(2)} ms  ` +
      `RSS max ${Math.max(...build.runs.map((run) => run.rssMaxMb))} MB (idle now ${rssMb(build.shim.child.pid)} MB)`);
  }
  await Promise.all([...builds.map((build) => stop(build.shim.child)), stop(rest.child), ...(mcpHttp ? [stop(mcpHttp.child)] : [])]);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench: ${err.message}`);
    process.exit(1);
  },
);
