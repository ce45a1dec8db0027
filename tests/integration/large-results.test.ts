import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import OpenAI from 'openai';
import type { ServerConfig } from '../../src/config/types.js';
import { log } from '../../src/log.js';
import type { RunningShim } from '../../src/server.js';
import { expectOpenAIError } from '../helpers/openai-error.js';
import { clientForTool, startTestShim } from '../helpers/shim.js';

const BULK_SERVER = path.join(__dirname, '..', 'fixtures', 'bulk-mcp-server.mjs');
const MIB = 1024 * 1024;

type Mode = '--http' | '--sse' | '--rest';

/** The bulk fixture over HTTP (`--http`, `--sse` or `--rest`), on a port it picks and prints. */
async function startBulkServer(mode: Mode): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [BULK_SERVER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`bulk server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

const rowsArgs = (count: number, structured = false) => JSON.stringify({ count, width: 1000, structured });

async function answer(shim: RunningShim, tool: string, content: string, openai = clientForTool(shim, tool)): Promise<string> {
  const completion = await openai.chat.completions.create({ model: tool, messages: [{ role: 'user', content }] });
  return completion.choices[0]!.message.content!;
}

const NOTE = /\n\n\[… result truncated to 1048576 of its (\d+) bytes \(maxResultBytes\)\]$/;

/** The bulk fixture over HTTP in `mode`, as the config entry `entry` reaches it. */
const overHttp = (mode: Mode, entry: (url: string) => ServerConfig) => async () => {
  const server = await startBulkServer(mode);
  return { entry: entry(server.url), stop: () => server.child.kill() };
};

describe.each([
  ['stdio', async () => ({ entry: { command: process.execPath, args: [BULK_SERVER] } as ServerConfig, stop: () => undefined })],
  ['streamable HTTP', overHttp('--http', (url) => ({ type: 'streamable-http', url: `${url}/mcp` }))],
  ['streamable HTTP, JSON answers', overHttp('--http', (url) => ({ type: 'streamable-http', url: `${url}/mcp?json=1` }))],
  ['SSE', overHttp('--sse', (url) => ({ type: 'sse', url: `${url}/sse` }))],
  ['REST', overHttp('--rest', (url) => ({ type: 'rest', url }))],
])('a large answer over %s', (_kind, startServer) => {
  let shim: RunningShim;
  let limited: RunningShim;
  let stop: () => void;

  beforeAll(async () => {
    const server = await startServer();
    stop = server.stop;
    [shim, limited] = await Promise.all([
      startTestShim({ bulk: server.entry }),
      startTestShim({ bulk: { ...server.entry, maxMessageBytes: 2 * MIB } as ServerConfig }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([shim?.close(), limited?.close()]);
    stop?.();
  });

  test('12 MB of rows is answered, cut to maxResultBytes with the note, while a small call beside it answers', async () => {
    const pid = await answer(shim, 'pid', '{}');
    const [big, small] = await Promise.all([answer(shim, 'rows', rowsArgs(12_000)), answer(shim, 'pid', '{}')]);
    expect(big.startsWith('Retrieved 12000 rows:\n[\n  {\n    "i": 1,')).toBe(true);
    const [, total] = NOTE.exec(big) ?? [];
    expect(Number(total)).toBeGreaterThan(12_000_000);
    expect(Buffer.byteLength(big)).toBeLessThan(MIB + 200);
    expect(small).toBe(pid);
    expect(await answer(shim, 'pid', '{}')).toBe(pid);
  });

  test('rows sent twice, as text and as structuredContent (servers on the Python SDK), are cut the same way', async () => {
    const big = await answer(shim, 'rows', rowsArgs(12_000, true));
    expect(big.startsWith('Retrieved 12000 rows:')).toBe(true);
    expect(Number(NOTE.exec(big)?.[1])).toBeGreaterThan(24_000_000);
  });

  test('as one JSON document (response_format), a cut answer is {"text": …} with the note, not JSON that passes for all of it', async () => {
    const completion = await clientForTool(shim, 'rows').chat.completions.create({
      model: 'rows',
      messages: [{ role: 'user', content: rowsArgs(12_000, true) }],
      response_format: { type: 'json_object' },
    });
    const document = JSON.parse(completion.choices[0]!.message.content!) as { text: string };
    expect(document.text).toMatch(/\[… result truncated to \d+ of its \d+ bytes \(maxResultBytes\)\]$/);
  });

  test('over maxMessageBytes only that call fails, 424 result_too_large, not retried; the server and its other calls carry on', async () => {
    const warnings = jest.spyOn(log, 'warn');
    try {
      const pid = await answer(limited, 'pid', '{}');
      // The openai client retries what it may (maxRetries 2): a 424 it must not.
      const openai = new OpenAI({ baseURL: `${limited.url}/tools/rows`, apiKey: 'dummy-key', maxRetries: 2 });
      const [big, small] = await Promise.allSettled([answer(limited, 'rows', rowsArgs(5_000), openai), answer(limited, 'pid', '{}')]);
      expect(big.status).toBe('rejected');
      const error = (big as PromiseRejectedResult).reason as { status: number; error: unknown };
      expect(error.status).toBe(424);
      const fields = expectOpenAIError({ error: error.error }, 'result_too_large');
      expect(fields.type).toBe('upstream_error');
      expect(fields.message).toMatch(/^upstream "bulk" answered tool "rows" with a message of \d+ bytes, over its limit of 2097152 bytes \(maxMessageBytes\); the tool ran/);
      expect(small).toEqual({ status: 'fulfilled', value: pid });
      expect(await answer(limited, 'pid', '{}')).toBe(pid);
      const refused = warnings.mock.calls.filter(([message]) => /maxMessageBytes/.test(String(message)));
      expect(refused).toHaveLength(1);
      expect((refused[0] as unknown[])[1]).toMatchObject({ upstream: 'bulk', tool: 'rows', limit: 2 * MIB, bytes: expect.any(Number) });
    } finally {
      warnings.mockRestore();
    }
  });
});

test('progress written in the same write as its result is streamed, every line in order, in 1,000 calls of 1,000', async () => {
  const shim = await startTestShim({ bulk: { command: process.execPath, args: [BULK_SERVER] } });
  const openai = clientForTool(shim, 'progress');
  const expected = ['[1/3] step 1\n', '[2/3] step 2\n', '[3/3] step 3\n'];
  let complete = 0;
  const streamOnce = async () => {
    const stream = await openai.chat.completions.create({ model: 'progress', messages: [{ role: 'user', content: '{"steps": 3}' }], stream: true });
    const reasoning: string[] = [];
    let text = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      if (delta?.reasoning_content) reasoning.push(delta.reasoning_content);
      text += delta?.content ?? '';
    }
    if (text === 'done after 3 steps' && JSON.stringify(reasoning) === JSON.stringify(expected)) complete += 1;
  };
  try {
    // Ten at a time: results and progress of different calls also share reads.
    const workers = Array.from({ length: 10 }, async () => {
      for (let call = 0; call < 100; call += 1) await streamOnce();
    });
    await Promise.all(workers);
  } finally {
    await shim.close();
  }
  expect(complete).toBe(1000);
}, 120_000);
