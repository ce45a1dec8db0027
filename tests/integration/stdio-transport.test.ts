import { Socket } from 'node:net';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../src/upstreams/message-reader.js';
import { BatchingStdioTransport } from '../../src/upstreams/stdio-transport.js';

/**
 * A child that answers each chunk it reads on stdin with one notification saying how many lines
 * the chunk held, prints one line that is not JSON-RPC at start, and exits when stdin closes.
 */
const CHUNK_COUNTER = `
process.stdout.write('not json-rpc\\n');
process.stdin.on('data', (chunk) => {
  const lines = chunk.toString().split('\\n').filter(Boolean).length;
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'chunk', params: { lines } }) + '\\n');
});
process.stdin.on('end', () => process.exit(0));
`;

const LIMITS = { maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES, maxResultBytes: 1024 * 1024 };
const started: BatchingStdioTransport[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((transport) => transport.close()));
});

function start(script = CHUNK_COUNTER) {
  const transport = new BatchingStdioTransport({ command: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH ?? '' }, upstream: 'test' }, LIMITS);
  started.push(transport);
  const messages: JSONRPCMessage[] = [];
  const errors: Error[] = [];
  let closed = 0;
  transport.onmessage = (message) => messages.push(message);
  transport.onerror = (error) => errors.push(error);
  transport.onclose = () => (closed += 1);
  return { transport, messages, errors, closed: () => closed };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ping = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, method: 'ping' });

test('messages sent in one turn of the event loop reach the child in one write; later ones in the next', async () => {
  const { transport, messages } = start();
  await transport.start();
  // The pipe's writes, seen where a net.Socket hands them to libuv (the kernel may merge separate
  // writes before the child reads, so the child's chunks alone would not tell).
  const single = jest.spyOn(Socket.prototype as unknown as { _write: () => void }, '_write');
  const batched = jest.spyOn(Socket.prototype as unknown as { _writev: (chunks: unknown[]) => void }, '_writev');
  try {
    await Promise.all([transport.send(ping(1)), transport.send(ping(2)), transport.send(ping(3))]);
    await until(() => messages.length === 1);
    expect(single).not.toHaveBeenCalled();
    expect(batched.mock.calls.map(([chunks]) => chunks.length)).toEqual([3]);
    await transport.send(ping(4));
    await until(() => messages.length === 2);
    expect(single).toHaveBeenCalledTimes(1);
  } finally {
    single.mockRestore();
    batched.mockRestore();
  }
  expect(messages).toEqual([
    { jsonrpc: '2.0', method: 'chunk', params: { lines: 3 } },
    { jsonrpc: '2.0', method: 'chunk', params: { lines: 1 } },
  ]);
});

test('a line that is not JSON-RPC is reported and skipped; closing ends the child, once', async () => {
  const { transport, messages, errors, closed } = start();
  await transport.start();
  await until(() => errors.length === 1);
  await transport.send(ping(1));
  await until(() => messages.length === 1);
  const pid = transport.pid!;
  await transport.close();
  await until(() => closed() === 1);
  expect(() => process.kill(pid, 0)).toThrow();
  await expect(transport.send(ping(2))).rejects.toThrow('Not connected');
});

test('a command that cannot start rejects start() with the reason', async () => {
  const transport = new BatchingStdioTransport({ command: 'no-such-command-for-the-shim', args: [], env: { PATH: process.env.PATH ?? '' }, upstream: 'test' }, LIMITS);
  transport.onerror = () => undefined;
  await expect(transport.start()).rejects.toThrow(/ENOENT/);
});

test('a child that ignores its closed stdin is stopped with SIGTERM', async () => {
  const { transport, closed } = start('process.stdin.resume(); setInterval(() => {}, 1000);');
  await transport.start();
  const started = Date.now();
  await transport.close();
  await until(() => closed() === 1);
  // Two seconds' grace after stdin closes, then the signal.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  expect(Date.now() - started).toBeLessThan(4000);
}, 10_000);
