// The bench's moving parts, shared by `run.mjs` (the full comparison) and `compare.mjs` (builds of
// the shim side by side): child processes in their own process groups (killed on exit), the shim
// and helper servers on kernel-chosen ports, autocannon load, CPU time and RSS read from /proc.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearInterval, clearTimeout, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(BENCH);
export const NODE = process.execPath;
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const STDIO_ECHO = path.join(BENCH, 'stdio-echo.mjs');
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
export const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'shim-bench-'));

// --- processes --------------------------------------------------------------------------------

const children = new Set();

export function start(command, args, { stderr = 'ignore', env = process.env } = {}) {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', stderr], env });
  children.add(child);
  child.on('exit', () => children.delete(child));
  child.on('error', () => children.delete(child));
  return child;
}

/** SIGTERM to the whole group, SIGKILL when it has not gone after 3 s. */
export async function stop(child) {
  if (!children.has(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  signalGroup(child, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
  // The group may still hold a grandchild (a stdio upstream) that outlived its parent.
  signalGroup(child, 'SIGKILL');
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function killAll() {
  for (const child of children) signalGroup(child, 'SIGKILL');
  fs.rmSync(TMP, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`bench: ${signal}, stopping`);
    process.exit(130);
  });
}

/** Gives up (and so kills every child) when the run takes longer than `ms`. */
export function deadline(ms) {
  setTimeout(() => {
    console.error(`bench: still running after ${ms / 1000} s; giving up`);
    process.exit(1);
  }, ms).unref();
}

/** Our own helper servers print their port as their first line on stdout. */
export function portOf(child, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 10_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(Number(line));
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code})`)));
  });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a program that must be told its port (mcpo) on a free one, and again on a new one when
 * the port was taken (by an outgoing connection, whose local ports share the range) before it bound.
 */
export async function onFreePort(startOn, attempts = 5) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOn(await freePort());
    } catch (err) {
      if (attempt >= attempts || !/EADDRINUSE|address already in use/i.test(err.message)) throw err;
    }
  }
}

export async function startNodeHelper(script, args, what) {
  const child = start(NODE, [path.join(BENCH, script), ...args]);
  return { child, url: `http://127.0.0.1:${await portOf(child, what)}` };
}

/**
 * The shim from dist/ on a port it picks, at the default log level, its log in a file; `ready` =
 * first answered call of the `probe` tool (`echo`, or one without arguments).
 */
export async function startShim(name, servers, { server = {}, env = {}, extra = {}, cli = CLI, profile = false, probe = 'echo' } = {}) {
  const config = path.join(TMP, `${name}.json`);
  fs.writeFileSync(config, JSON.stringify({ server, mcpServers: servers, ...extra }));
  const logFile = path.join(TMP, `${name}.log`);
  const logFd = fs.openSync(logFile, 'w');
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const started = performance.now();
  const child = start(NODE, [...flags, cli, 'serve', '--config', config, '--host', '127.0.0.1', '--port', '0'], {
    stderr: logFd,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
  });
  fs.closeSync(logFd);
  const url = await waitFor(() => listeningUrl(logFile), `shim "${name}"`, child);
  await waitFor(() => call(`${url}/tools/${probe}/chat/completions`, probeBody(probe)).then((answer) => answer.status === 200), `shim "${name}"`, child);
  return { child, url, startupMs: performance.now() - started };
}

/** The URL in the shim's "listening" log line, once it is there. */
function listeningUrl(logFile) {
  const log = fs.readFileSync(logFile, 'utf8');
  return (/"message":"listening".*?"url":"([^"]+)"/.exec(log) ?? /"url":"([^"]+)".*?"message":"listening"/.exec(log))?.[1];
}



/** Polls `attempt` until it gives a truthy value, and resolves with that value. */
export async function waitFor(attempt, what, child, timeoutMs = 20_000) {
  const deadline = performance.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    const value = await Promise.resolve().then(attempt).catch(() => undefined);
    if (value) return value;
    if (exited) throw new Error(`${what} exited before answering`);
    if (performance.now() > deadline) throw new Error(`${what} did not answer within ${timeoutMs / 1000} s`);
    await sleep(5);
  }
}

/** One request on a fresh connection. */
export function call(url, body, method = body ? 'POST' : 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

/** The middle value of a list of numbers (the list is left as it was). */
export function median(list) {
  return [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
}

// --- measuring --------------------------------------------------------------------------------

export const DIRECT_BODY = JSON.stringify({ arguments: { message: 'hello' } });
export const MCPO_BODY = JSON.stringify({ message: 'hello' });
export function chatBody(stream) {
  return JSON.stringify({
    model: 'echo',
    messages: [{ role: 'user', content: '{"message": "hello"}' }],
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** A call of `tool`: the echo body, or no arguments. */
export function probeBody(tool) {
  return tool === 'echo' ? chatBody(false) : JSON.stringify({ model: tool, messages: [{ role: 'user', content: '{}' }] });
}

/** The same call through the Responses API face. */
export function responsesBody(stream, extra = {}) {
  return JSON.stringify({ model: 'echo', input: '{"message": "hello"}', ...(stream ? { stream: true } : {}), ...extra });
}

function cannon(url, { body, connections, duration, onResponse }) {
  const instance = autocannon({
    url,
    method: body ? 'POST' : 'GET',
    body,
    headers: { 'content-type': 'application/json', authorization: 'Bearer dummy-key' },
    connections,
    duration,
  });
  if (onResponse) instance.on('response', onResponse);
  return instance;
}

/**
 * autocannon drives the load; latencies are recorded here at full resolution (its histogram
 * keeps whole ms). `pid` is the process answering: its CPU time per request is the figure that
 * holds still when other work shares the machine.
 */
export async function measure(url, { body, connections, pid, rss = false, warmupS, durationS }) {
  await cannon(url, { body, connections, duration: warmupS });
  const latencies = [];
  let rssMaxMb = 0;
  const sampler = rss && setInterval(() => (rssMaxMb = Math.max(rssMaxMb, rssMb(pid) ?? 0)), 100);
  const cpuBefore = cpuMs(pid);
  const result = await cannon(url, {
    body,
    connections,
    duration: durationS,
    onResponse: (_client, status, _bytes, ms) => {
      if (status < 300) latencies.push(ms);
    },
  });
  const cpu = cpuMs(pid) - cpuBefore;
  if (sampler) clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    p50: pick(0.5),
    p99: pick(0.99),
    rps: latencies.length / result.duration,
    cpuUsPerRequest: (cpu * 1000) / latencies.length,
    failures: result.non2xx + result.errors + result.timeouts,
    ...(rss ? { rssMaxMb } : {}),
  };
}

/** User + system CPU time of a process, from /proc (Linux); NaN elsewhere. */
export function cpuMs(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

export function rssMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}