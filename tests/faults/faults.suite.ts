import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RunningShim } from '../../src/server.js';
import { EVERYTHING } from '../fixtures/everything.js';
import { startRemoteServer, type RemoteServer } from '../fixtures/remote-mcp-server.js';
import { eventually, startShimOverAdapter, startTestShim, stdioTestServer } from '../helpers/shim.js';
import { chat, errorShapeProblem, histogram, JSON_HEADERS, parseJson, processErrors, report, send, sleep, type Answer } from './support.js';

/**
 * `npm run test:faults`: what a client sees when upstreams die, fail, stall or restart, and when
 * clients walk away. Every answer must be a success or an OpenAI error naming the upstream, with
 * the status the README's retry-safety table gives; a mutating tool never runs twice for one call.
 */

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
afterAll(() => agent.destroy());
afterAll(() => expect(processErrors()).toEqual([]));

/**
 * The back-off doubles from 0.5 s to 30 s and starts again from 0.5 s only after a minute up, so
 * ten real kills in a row would spend 2.5 minutes waiting. The suite moves the shim's clock a
 * minute forward after each recovery instead: every kill is then the first in a minute.
 */
let skewMs = 0;
const realNow = Date.now.bind(Date);
beforeAll(() => jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs));
afterAll(() => jest.restoreAllMocks());
const aMinuteLater = () => {
  skewMs += 61_000;
};

const health = async (shim: RunningShim) => JSON.parse((await send(shim.url, agent, { method: 'GET', path: '/health' })).text);
const upstreamOf = async (shim: RunningShim, name: string) => (await health(shim)).upstreams[name];

/** Problems with a failed answer: OpenAI's shape, the status and code the README promises, the upstream named. */
function failureProblem(answer: Answer, upstream: string, allowed: Record<number, string[]>): string | undefined {
  const codes = allowed[answer.status];
  if (!codes) return `status ${answer.status}: ${answer.text.slice(0, 200)}`;
  const body = parseJson(answer.text) as { error: { code: string; message: string } } | undefined;
  const shape = errorShapeProblem(body);
  if (shape) return `status ${answer.status}: ${shape}`;
  if (!codes.includes(body!.error.code)) return `status ${answer.status} with code ${body!.error.code}`;
  if (!body!.error.message.includes(`upstream "${upstream}"`)) return `message does not name the upstream: ${body!.error.message}`;
  if (answer.status === 424 && answer.headers['x-should-retry'] !== 'false') return '424 without x-should-retry: false';
  if (answer.status === 503 && !answer.headers['retry-after']) return '503 without Retry-After';
  return undefined;
}

const MAY_HAVE_RUN_MUTATING = { 424: ['upstream_failed', 'upstream_timeout'] };
const NOT_SENT = { 503: ['upstream_unavailable'] };

interface RecordingShim {
  shim: RunningShim;
  /** The lines the suite's tools wrote, one per run (`record`) or step (`confirm_then_record`). */
  records(): string[];
  close(): Promise<void>;
}

/** A shim over the test server with the suite's tools, which record what ran in a file of their own. */
async function startRecordingShim(options: Parameters<typeof stdioTestServer>[0]): Promise<RecordingShim> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-faults-'));
  const recordFile = path.join(dir, 'record.log');
  const shim = await startTestShim({ db: stdioTestServer({ ...options, env: { SUITE_TOOLS: '1', RECORD_FILE: recordFile } }) });
  return {
    shim,
    records: () => (existsSync(recordFile) ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean) : []),
    async close() {
      await shim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('a stdio child killed with SIGKILL ten times under load', () => {
  const KILLS = 10;
  const WORKERS = 16;
  let recording: RecordingShim;
  let shim: RunningShim;

  beforeAll(async () => {
    recording = await startRecordingShim({ timeoutSeconds: 20 });
    shim = recording.shim;
  });
  afterAll(() => recording?.close());

  test('no crash, no hang, OpenAI errors naming "db", every id run at most once, recovery', async () => {
    const started = performance.now();
    const answers = new Map<string, Answer>();
    let next = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const id = `call-${(next += 1)}`;
        answers.set(id, await send(shim.url, agent, { path: '/tools/record/chat/completions', headers: JSON_HEADERS, body: chat(JSON.stringify({ id, ms: 5 })) }));
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);

    const pids: number[] = [];
    for (let kill = 1; kill <= KILLS; kill += 1) {
      await eventually(async () => (await upstreamOf(shim, 'db')).state === 'ready', 15_000);
      aMinuteLater();
      const pidAnswer = await send(shim.url, agent, { path: '/tools/pid/chat/completions', headers: JSON_HEADERS, body: chat('') });
      const pid = Number(JSON.parse(pidAnswer.text).choices[0].message.content);
      // Let calls pile up on the child, then kill it with calls in flight.
      await sleep(150);
      process.kill(pid, 'SIGKILL');
      pids.push(pid);
      await eventually(async () => (await upstreamOf(shim, 'db')).restarts === kill, 15_000);
    }
    await eventually(async () => (await upstreamOf(shim, 'db')).state === 'ready', 15_000);
    await sleep(200);
    stop = true;
    await Promise.all(workers);

    // After the last kill the shim has recovered: a call succeeds.
    const after = await send(shim.url, agent, { path: '/tools/record/chat/completions', headers: JSON_HEADERS, body: chat(JSON.stringify({ id: 'after' })) });
    expect(after.status).toBe(200);

    const runs = histogram(recording.records());
    const problems: string[] = [];
    for (const [id, answer] of answers) {
      const problem = answer.status === 200 ? undefined : failureProblem(answer, 'db', { ...MAY_HAVE_RUN_MUTATING, ...NOT_SENT });
      if (problem) problems.push(`${id}: ${problem}`);
      const ran = runs[id] ?? 0;
      if (ran > 1) problems.push(`${id} ran ${ran} times`);
      if (answer.status === 200 && ran !== 1) problems.push(`${id} answered 200 but ran ${ran} times`);
      if (answer.status === 503 && ran !== 0) problems.push(`${id} answered 503 (not sent) but ran`);
    }
    expect(problems).toEqual([]);
    // Every killed child is gone (reaped, not a zombie left running).
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();

    const statuses = [...answers.values()].map((answer) => answer.status);
    const slowest = Math.max(...[...answers.values()].map((answer) => answer.ms));
    // Calls were in flight at the kills (424: may have run) and arrived while the child was down (503: not sent).
    expect(statuses.filter((status) => status === 424).length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(10_000);
    report('faults: stdio child SIGKILLed ×10 under load', {
      calls: answers.size,
      statuses: histogram(statuses),
      'ids run twice': 0,
      'ids run by a 503 (not sent)': 0,
      'slowest answer (ms)': Math.round(slowest),
      restarts: (await upstreamOf(shim, 'db')).restarts,
      'seconds': ((performance.now() - started) / 1000).toFixed(1),
    });
  });
});

describe('a REST upstream answering 5xx', () => {
  test('424 for a tool that may change data, 502 for a read-only one, each call sent once; then it recovers', async () => {
    const { adapter, shim, close } = await startShimOverAdapter();
    try {
      const statuses: number[] = [];
      const problems: string[] = [];
      for (const failure of [500, 502, 503, 504]) {
        adapter.failWith(failure);
        const before = adapter.received.length;
        const calls = await Promise.all([
          ...Array.from({ length: 20 }, (_, i) =>
            send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat(`{"message": "m${i}"}`) }),
          ),
          ...Array.from({ length: 20 }, () =>
            send(shim.url, agent, { path: '/tools/pg_execute_query/chat/completions', headers: JSON_HEADERS, body: chat('{"operation": "select", "query": "SELECT 1"}') }),
          ),
          send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "s"}', { stream: true }) }),
        ]);
        // The shim never retries on its own: one call, one request at the upstream.
        expect(adapter.received.length - before).toBe(calls.length);
        calls.forEach((answer, i) => {
          statuses.push(answer.status);
          const readOnly = i >= 20 && i < 40;
          const problem = failureProblem(answer, 'adapter', readOnly ? { 502: ['upstream_failed'] } : { 424: ['upstream_failed'] });
          if (problem) problems.push(`HTTP ${failure} from the upstream, call ${i}: ${problem}`);
        });
      }
      expect(problems).toEqual([]);
      adapter.failWith(undefined);
      const recovered = await send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "back"}') });
      expect(JSON.parse(recovered.text).choices[0].message.content).toBe('echo: back');
      report('faults: REST upstream answering 500/502/503/504', { calls: statuses.length, statuses: histogram(statuses), 'requests at the upstream': adapter.received.length - 1 });
    } finally {
      await close();
    }
  });
});

/** A REST upstream whose tools never answer in time: `hang` may change data, `hang_read` is read-only. */
async function startHangingUpstream() {
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/tools') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          tools: [
            { name: 'hang', inputSchema: { type: 'object' } },
            { name: 'hang_read', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
          ],
        }),
      );
      return;
    }
    // POST /tools/…: never answers; the socket is cut when the test ends.
    req.resume();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('a slow upstream past its timeout', () => {
  test('stdio and REST: 424 upstream_timeout (mutating) or 504 (read-only) at the timeout, not later; the upstream keeps serving', async () => {
    const hanging = await startHangingUpstream();
    const shim = await startTestShim({
      db: stdioTestServer({ timeoutSeconds: 1, env: { SUITE_TOOLS: '1' } }),
      rest: { type: 'rest', url: hanging.url, timeoutSeconds: 1 },
    });
    try {
      const cases: { upstream: string; path: string; body: string; allowed: Record<number, string[]> }[] = [
        { upstream: 'db', path: '/tools/slow/chat/completions', body: chat('{"ms": 5000}'), allowed: { 424: ['upstream_timeout'] } },
        { upstream: 'db', path: '/tools/slow/chat/completions', body: chat('{"ms": 5000}', { stream: true }), allowed: { 424: ['upstream_timeout'] } },
        { upstream: 'db', path: '/tools/slow_read/chat/completions', body: chat('{"ms": 5000}'), allowed: { 504: ['upstream_timeout'] } },
        { upstream: 'rest', path: '/tools/hang/chat/completions', body: chat(''), allowed: { 424: ['upstream_timeout'] } },
        { upstream: 'rest', path: '/tools/hang_read/chat/completions', body: chat(''), allowed: { 504: ['upstream_timeout'] } },
      ];
      const started = performance.now();
      const answers = await Promise.all(cases.flatMap((c) => Array.from({ length: 8 }, () => send(shim.url, agent, { path: c.path, headers: JSON_HEADERS, body: c.body }))));
      const problems = answers.map((answer, i) => failureProblem(answer, cases[Math.floor(i / 8)]!.upstream, cases[Math.floor(i / 8)]!.allowed)).filter(Boolean);
      expect(problems).toEqual([]);
      const slowest = Math.max(...answers.map((answer) => answer.ms));
      expect(slowest).toBeGreaterThanOrEqual(950);
      expect(slowest).toBeLessThan(3_000);
      const fast = await send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "still here"}') });
      expect(JSON.parse(fast.text).choices[0].message.content).toBe('echo: still here');
      expect((await health(shim)).status).toBe('ok');
      report('faults: slow upstreams past a 1 s timeout', {
        calls: answers.length,
        statuses: histogram(answers.map((answer) => answer.status)),
        'fastest / slowest answer (ms)': `${Math.round(Math.min(...answers.map((answer) => answer.ms)))} / ${Math.round(slowest)}`,
        'seconds': ((performance.now() - started) / 1000).toFixed(1),
      });
    } finally {
      await shim.close();
      await hanging.close();
    }
  });
});

describe('a streamable-HTTP server restarted under load', () => {
  const RESTARTS = 3;

  test('calls succeed, or fail as 503 (not sent) / 424 (in flight) naming "remote"; each answered call ran at most once; it recovers', async () => {
    let server: RemoteServer = await startRemoteServer('streamable-http');
    const servers = [server];
    const shim = await startTestShim({ remote: { type: 'streamable-http', url: server.url, timeoutSeconds: 20 } });
    try {
      const started = performance.now();
      const answers: Answer[] = [];
      let stop = false;
      const worker = async () => {
        for (let i = 0; !stop; i += 1) {
          answers.push(await send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat(`{"message": "m${i}"}`) }));
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      const waits: Promise<Answer>[] = [];
      for (let restart = 1; restart <= RESTARTS; restart += 1) {
        await sleep(300);
        // A call that will be in flight when the server goes away.
        const current = server;
        waits.push(send(shim.url, agent, { path: '/tools/wait/chat/completions', headers: JSON_HEADERS, body: chat('') }));
        await eventually(() => current.started.includes('wait'));
        await current.close();
        await eventually(async () => (await upstreamOf(shim, 'remote')).state !== 'ready');
        await sleep(200);
        server = await startRemoteServer('streamable-http', { port: current.port });
        servers.push(server);
        await eventually(async () => (await upstreamOf(shim, 'remote')).state === 'ready', 15_000);
        aMinuteLater();
      }
      await sleep(300);
      stop = true;
      await Promise.all(workers);
      const lost = await Promise.all(waits);

      const problems = [
        ...answers.filter((answer) => answer.status !== 200).map((answer) => failureProblem(answer, 'remote', { 424: ['upstream_failed'], ...NOT_SENT })),
        ...lost.map((answer) => failureProblem(answer, 'remote', { 424: ['upstream_failed'] })),
      ].filter(Boolean);
      expect(problems).toEqual([]);
      // Counted at the servers: every 200 ran once; a 424 may have run; a 503 never did.
      const ran = servers.reduce((sum, s) => sum + s.started.filter((tool) => tool === 'echo').length, 0);
      const ok = answers.filter((answer) => answer.status === 200).length;
      const mayHaveRun = answers.filter((answer) => answer.status === 424).length;
      expect(ran).toBeGreaterThanOrEqual(ok);
      expect(ran).toBeLessThanOrEqual(ok + mayHaveRun);
      expect(Math.max(...lost.map((answer) => answer.ms))).toBeLessThan(10_000);
      const back = await send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "back"}') });
      expect(JSON.parse(back.text).choices[0].message.content).toBe('remote: back');
      report('faults: streamable-HTTP server restarted ×3 under load', {
        calls: answers.length + lost.length,
        statuses: histogram([...answers, ...lost].map((answer) => answer.status)),
        'echo runs counted at the servers': ran,
        'sessions started': servers.reduce((sum, s) => sum + s.sessionsStarted, 0),
        'seconds': ((performance.now() - started) / 1000).toFixed(1),
      });
    } finally {
      await shim.close();
      await server.close();
    }
  });
});

describe('clients that disconnect mid-stream', () => {
  const DISCONNECTS = 20;

  /** Starts a streamed call, waits for its first bytes, then drops the connection. */
  async function disconnectMidStream(base: string, tool: string, content: string): Promise<void> {
    const controller = new AbortController();
    const res = await fetch(`${base}/tools/${tool}/chat/completions`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: chat(content, { stream: true }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain(': keep-alive');
    controller.abort();
    await reader.read().catch(() => undefined);
  }

  test('the shim stays healthy, frees the call slots, cancels the upstream call, and the next call works', async () => {
    const remote = await startRemoteServer('streamable-http');
    // Two slots and no queue: a slot leaked by a disconnect would turn the calls below into 429s.
    const limits = { maxConcurrentCalls: 2, maxQueuedCalls: 0 };
    const shim = await startTestShim({ db: stdioTestServer({ ...limits }), remote: { type: 'streamable-http', url: remote.url, ...limits } }, 50);
    try {
      const started = performance.now();
      for (let i = 0; i < DISCONNECTS; i += 1) {
        await disconnectMidStream(shim.url, 'slow', '{"ms": 3000}');
        await disconnectMidStream(shim.url, 'remote__wait', '');
      }
      // The remote server was told each call was cancelled (notifications/cancelled).
      await eventually(() => remote.cancelled.length === DISCONNECTS);
      expect((await health(shim)).status).toBe('ok');
      const [a, b, c, d] = await Promise.all([
        send(shim.url, agent, { path: '/tools/db__echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "a"}') }),
        send(shim.url, agent, { path: '/tools/slow/chat/completions', headers: JSON_HEADERS, body: chat('{"ms": 1}', { stream: true }) }),
        send(shim.url, agent, { path: '/tools/remote__echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "c"}') }),
        send(shim.url, agent, { path: '/tools/remote__echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "d"}') }),
      ]);
      expect([a!.status, b!.status, c!.status, d!.status]).toEqual([200, 200, 200, 200]);
      expect(b!.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      report('faults: clients disconnecting mid-stream', {
        'streams dropped': DISCONNECTS * 2,
        'cancellations seen by the remote server': remote.cancelled.length,
        'calls after (2 slots, no queue)': '4 × 200',
        'seconds': ((performance.now() - started) / 1000).toFixed(1),
      });
    } finally {
      await shim.close();
      await remote.close();
    }
  });
});

describe('an older server that crashes while calls wait at its questions', () => {
  const TOOL = 'trigger-elicitation-request';
  let shim: RunningShim;

  beforeAll(async () => {
    shim = await startTestShim({ everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], timeoutSeconds: 60 } });
  });
  afterAll(() => shim.close());

  const ask = (messages: { role: string; content: string }[]) =>
    send(shim.url, agent, { path: `/tools/${TOOL}/chat/completions`, body: JSON.stringify({ messages }), headers: JSON_HEADERS });

  test('each reply gets 400 question_closed naming the upstream, nothing hangs, the server restarts and asks again', async () => {
    // Questions held one after another (one call in flight at a time: the protocol does not say which call a question is for).
    const held: { role: string; content: string }[][] = [];
    for (let i = 0; i < 3; i += 1) {
      const asked = await ask([{ role: 'user', content: '' }]);
      expect(asked.status).toBe(200);
      const question = (parseJson(asked.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
      expect(question).toContain('is open while the tool waits for it');
      held.push([{ role: 'user', content: '' }, { role: 'assistant', content: question }, { role: 'user', content: '{"name": "after the crash"}' }]);
    }
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('server-everything'))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
    expect(children).toHaveLength(1);
    process.kill(children[0]!, 'SIGKILL');
    await eventually(async () => (await upstreamOf(shim, 'everything'))?.restarts >= 1 && (await upstreamOf(shim, 'everything'))?.state === 'ready', 20_000);

    const replies = await Promise.all(held.map((messages) => ask(messages)));
    for (const reply of replies) {
      expect(reply.status).toBe(400);
      const body = parseJson(reply.text) as { error: { code: string; message: string } };
      expect(errorShapeProblem(body)).toBeUndefined();
      expect(body.error.code).toBe('question_closed');
      expect(body.error.message).toContain('upstream "everything" stopped waiting');
    }
    const again = await ask([{ role: 'user', content: '' }]);
    expect(again.status).toBe(200);
    expect(again.text).toContain('Please provide inputs');
    report('faults: older server killed with three questions held', { statuses: histogram(replies.map((reply) => reply.status)) });
  });
});

describe('a reply that resumes a call held at an older server\'s question, then goes away', () => {
  let recording: RecordingShim;
  let shim: RunningShim;

  beforeAll(async () => {
    // One call at a time: a resumed call left running would hold the slot the next call needs.
    recording = await startRecordingShim({ timeoutSeconds: 60, maxConcurrentCalls: 1, maxQueuedCalls: 0 });
    shim = recording.shim;
  });
  afterAll(() => recording?.close());

  const records = () => recording.records();

  test('the resumed call is cancelled at the server, its slot is freed, and the next call runs', async () => {
    const arguments_ = '{"id": "r1", "ms": 30000}';
    const asked = await send(shim.url, agent, { path: '/tools/confirm_then_record/chat/completions', headers: JSON_HEADERS, body: chat(arguments_) });
    expect(asked.status).toBe(200);
    const question = (parseJson(asked.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
    expect(question).toContain('Go on with r1?');

    const controller = new AbortController();
    const messages = [{ role: 'user', content: arguments_ }, { role: 'assistant', content: question }, { role: 'user', content: '{"go": true}' }];
    const reply = fetch(`${shim.url}/tools/confirm_then_record/chat/completions`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ messages }), signal: controller.signal }).catch((err: Error) => err);
    await eventually(() => records().includes('started r1'));
    const dropped = performance.now();
    controller.abort();
    expect(await reply).toMatchObject({ name: 'AbortError' });

    // The server was told (notifications/cancelled) and stopped the work, long before its 30 s.
    await eventually(() => records().includes('cancelled r1'), 10_000);
    const stoppedMs = performance.now() - dropped;
    const next = await send(shim.url, agent, { path: '/tools/echo/chat/completions', headers: JSON_HEADERS, body: chat('{"message": "after"}') });
    expect(next.status).toBe(200);
    expect(next.text).toContain('echo: after');
    expect(records()).not.toContain('finished r1');
    report('faults: a reply resuming a held call goes away', { 'cancelled at the server after (ms)': Math.round(stoppedMs), 'next call': next.status });
  });
});
