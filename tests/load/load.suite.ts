import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, startTestShim, stdioTestServer } from '../helpers/shim.js';
import { chat, histogram, JSON_HEADERS, processErrors, report, rssMiB, send, type Answer } from '../faults/support.js';

/**
 * `npm run test:load`: 10,000 calls at concurrency 64 through `/tools/echo/chat/completions` to
 * an upstream that counts what it executes, then 2,000 over stdio. Every call is answered, each
 * success ran exactly once, and nothing is left behind: sockets, connections, child processes.
 */

const CALLS = 10_000;
const STDIO_CALLS = 2_000;
const CONCURRENCY = 64;

afterAll(() => expect(processErrors()).toEqual([]));

/** Open TCP sockets in this process (the handles Node keeps alive), without stdio. */
function openSockets(): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((handle) => handle instanceof net.Socket && !(handle as net.Socket & { fd?: number }).fd).length;
}

/** A REST upstream in plain node:http: one tool, `echo`, whose executions it counts. */
async function startCountingUpstream() {
  let executions = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/tools') {
        const inputSchema = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] };
        res.end(JSON.stringify({ tools: [{ name: 'echo', description: 'Counts and echoes', inputSchema }] }));
      } else if (req.method === 'POST' && req.url === '/tools/echo') {
        executions += 1;
        const { arguments: args } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.end(JSON.stringify({ content: [{ type: 'text', text: `echo: ${args.message}` }] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get executions() {
      return executions;
    },
    connections: () => new Promise<number>((resolve, reject) => server.getConnections((err, count) => (err ? reject(err) : resolve(count)))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Runs `total` calls, `CONCURRENCY` at a time; `call(i)` makes the i-th. */
async function drive(total: number, call: (i: number) => Promise<Answer>): Promise<{ answers: Answer[]; seconds: number }> {
  const answers: Answer[] = new Array(total);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < total; i = next++) answers[i] = await call(i);
    }),
  );
  return { answers, seconds: (performance.now() - started) / 1000 };
}

test(`${CALLS} calls at concurrency ${CONCURRENCY} through the shim to a counting REST upstream`, async () => {
  const upstream = await startCountingUpstream();
  const socketsBefore = openSockets();
  const rssBefore = rssMiB();
  const shim = await startTestShim({ counter: { type: 'rest', url: upstream.url } });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let figures: Record<string, unknown>;
  try {
    const { answers, seconds } = await drive(CALLS, (i) =>
      send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat(JSON.stringify({ message: `m${i}` })) }),
    );
    const rssAfter = rssMiB();
    // The measure sees sockets: the client's keep-alive ones, the shim's, the upstream's, both ends.
    const socketsDuring = openSockets();
    expect(socketsDuring).toBeGreaterThan(CONCURRENCY);
    const ok = answers.filter((answer, i) => answer.status === 200 && JSON.parse(answer.text).choices[0].message.content === `echo: m${i}`);
    expect(answers.filter(Boolean)).toHaveLength(CALLS);
    expect(histogram(answers.map((answer) => answer.status))).toEqual({ 200: CALLS });
    expect(ok).toHaveLength(CALLS);
    expect(upstream.executions).toBe(ok.length);
    const latencies = answers.map((answer) => answer.ms).sort((a, b) => a - b);
    figures = {
      calls: CALLS,
      concurrency: CONCURRENCY,
      'answered 200': ok.length,
      'executions at the upstream': upstream.executions,
      'calls/s': Math.round(CALLS / seconds),
      'latency p50 / p99 / max (ms)': [0.5, 0.99, 1].map((q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1)).join(' / '),
      'seconds': seconds.toFixed(1),
      'RSS before / after (MiB)': `${rssBefore} / ${rssAfter}`,
      'sockets open at the end of the run': socketsDuring,
    };
  } finally {
    agent.destroy();
    await shim.close();
  }
  // Nothing left open: the shim's connections to the upstream and the client's to the shim.
  await eventually(async () => (await upstream.connections()) === 0 && openSockets() <= socketsBefore, 5_000);
  report('load: REST upstream', { ...figures, 'sockets open before / after': `${socketsBefore} / ${openSockets()}`, 'upstream connections after': await upstream.connections() });
  await upstream.close();
});

test(`${STDIO_CALLS} calls at concurrency ${CONCURRENCY} over stdio; closing the shim ends the child`, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-load-'));
  const recordFile = path.join(dir, 'record.log');
  const rssBefore = rssMiB();
  const shim = await startTestShim({ db: stdioTestServer({ env: { SUITE_TOOLS: '1', RECORD_FILE: recordFile } }) });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const pidAnswer = await send(shim.url, agent, { path: '/tools/pid/chat/completions', headers: JSON_HEADERS, body: chat('') });
    const pid = Number(JSON.parse(pidAnswer.text).choices[0].message.content);
    const { answers, seconds } = await drive(STDIO_CALLS, (i) =>
      send(shim.url, agent, { path: '/tools/record/chat/completions', headers: JSON_HEADERS, body: chat(JSON.stringify({ id: `r${i}` })) }),
    );
    const rssAfter = rssMiB();
    expect(histogram(answers.map((answer) => answer.status))).toEqual({ 200: STDIO_CALLS });
    const runs = readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
    expect(runs).toHaveLength(STDIO_CALLS);
    expect(new Set(runs).size).toBe(STDIO_CALLS);
    agent.destroy();
    await shim.close();
    // The child is gone once the shim has closed: no orphan left running.
    await eventually(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 5_000);
    report('load: stdio upstream', {
      calls: STDIO_CALLS,
      concurrency: CONCURRENCY,
      'answered 200': answers.length,
      'executions at the child': runs.length,
      'calls/s': Math.round(STDIO_CALLS / seconds),
      'seconds': seconds.toFixed(1),
      'RSS before / after (MiB)': `${rssBefore} / ${rssAfter}`,
      [`child ${pid} after close`]: 'gone',
    });
  } finally {
    agent.destroy();
    await shim.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
