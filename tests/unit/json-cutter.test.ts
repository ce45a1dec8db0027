import fc from 'fast-check';
import { JsonCutter } from '../../src/upstreams/json-cutter.js';
import { MessageReader } from '../../src/upstreams/message-reader.js';

/** Feeds `text` to a cutter in chunks of `size` bytes (a chunk may end inside a character or an escape). */
function cut(text: string, maxStringBytes: number, keepBytes: number, size = 7) {
  const cutter = new JsonCutter(maxStringBytes, keepBytes);
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) cutter.write(bytes, at, Math.min(at + size, bytes.length));
  return cutter.end();
}

const json = fc.jsonValue({ maxDepth: 4 });

test('within its limits the cutter keeps a JSON text byte for byte', () => {
  fc.assert(
    fc.property(json, fc.integer({ min: 1, max: 64 }), (value, size) => {
      const text = JSON.stringify(value, null, 1);
      const result = cut(text, 1e9, 1e9, size);
      expect(result.json).toBe(text);
      expect(result.cut).toBe(false);
    }),
  );
});

test('under any limits what is kept is valid JSON of the same shape', () => {
  fc.assert(
    fc.property(json, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 64 }), (value, maxString, keep, size) => {
      const text = JSON.stringify(value);
      const result = cut(text, maxString, keep, size);
      const kept: unknown = JSON.parse(result.json);
      // The original as JSON gives it (-0 reads back as 0).
      expect(shapeOf(kept)).toEqual(shapeOf(JSON.parse(text), kept));
    }),
  );
});

test('a long string keeps its head, cut at a character boundary outside any escape', () => {
  const text = JSON.stringify({ text: 'ab"\\\n€😀'.repeat(50) });
  for (let limit = 0; limit < 60; limit += 1) {
    const result = cut(text, limit, 1e9, 3);
    const kept = (JSON.parse(result.json) as { text: string }).text;
    expect(result.cut).toBe(true);
    expect('ab"\\\n€😀'.repeat(50).startsWith(kept)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(kept)) - 2).toBeGreaterThanOrEqual(limit);
  }
});

test('array elements past the budget are left out; members and the top-level id never are', () => {
  const message = { result: { content: [{ type: 'text', text: 'x'.repeat(100) }], structuredContent: { rows: Array.from({ length: 1000 }, (_, i) => ({ i })) } }, jsonrpc: '2.0', id: 42 };
  const result = cut(JSON.stringify(message), 50, 200);
  const kept = JSON.parse(result.json) as typeof message;
  expect(result.cut).toBe(true);
  expect(result.id).toBe(42);
  expect(result.hasMethod).toBe(false);
  expect(kept.jsonrpc).toBe('2.0');
  expect(kept.result.content[0]!.type).toBe('text');
  expect(kept.result.content[0]!.text.length).toBeLessThan(100);
  expect(kept.result.structuredContent.rows.length).toBeLessThan(1000);
  expect(kept.result.structuredContent.rows).toEqual(message.result.structuredContent.rows.slice(0, kept.result.structuredContent.rows.length));
});

test('the top-level id is found first or last, as a number or a string, and not inside the result', () => {
  expect(cut('{"id":"abc","result":{"id":7}}', 0, 0).id).toBe('abc');
  expect(cut('{"result":{"id":7,"x":[1,2]},"jsonrpc":"2.0","id":8}', 0, 0).id).toBe(8);
  expect(cut('{"method":"notifications/progress","params":{"id":3}}', 0, 0)).toMatchObject({ id: undefined, hasMethod: true });
});

test('a message over its size limit is reported with its size and id, whatever it holds', () => {
  const reader = new MessageReader({ maxMessageBytes: 2048, maxResultBytes: 100 });
  const body = Buffer.from(JSON.stringify({ result: { content: [{ type: 'text', text: 'y'.repeat(5000) }] }, jsonrpc: '2.0', id: 5 }));
  for (let at = 0; at < body.length; at += 1000) reader.push(body, at, Math.min(at + 1000, body.length));
  expect(reader.finish()).toEqual({ kind: 'too-large', bytes: body.length, id: 5, hasMethod: false });
  // The reader is empty again: the next message is read on its own.
  reader.push(Buffer.from('{"id":6}'));
  expect(reader.finish()).toEqual({ kind: 'json', json: '{"id":6}' });
});

test('a message larger than an answer can use is cut while read and says its size', () => {
  const reader = new MessageReader({ maxMessageBytes: 1e9, maxResultBytes: 1000 });
  const body = Buffer.from(JSON.stringify({ result: { content: [{ type: 'text', text: 'z'.repeat(200_000) }] }, jsonrpc: '2.0', id: 1 }));
  reader.push(body);
  const read = reader.finish();
  expect(read).toMatchObject({ kind: 'json', cutFrom: body.length });
  const text = (JSON.parse((read as { json: string }).json) as { result: { content: { text: string }[] } }).result.content[0]!.text;
  expect(text.length).toBe(1000);
});

/**
 * The shape of `value` as `kept` can show it: containers of the same kind with the same keys,
 * arrays no longer than the original, strings a prefix of the original.
 */
function shapeOf(value: unknown, kept?: unknown): unknown {
  if (Array.isArray(value)) {
    const shorter = Array.isArray(kept) ? value.slice(0, kept.length) : value;
    return shorter.map((item, i) => shapeOf(item, Array.isArray(kept) ? kept[i] : undefined));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item, (kept as Record<string, unknown> | undefined)?.[key])]));
  }
  if (typeof value === 'string' && typeof kept === 'string' && value.startsWith(kept)) return kept;
  return value;
}

test('a JSON-RPC message is cut only in its result content: a large tool list is kept whole', () => {
  const limits = { maxMessageBytes: 1e9, maxResultBytes: 100 };
  const tools = Array.from({ length: 200 }, (_, i) => ({ name: `tool_${i}`, description: 'd'.repeat(300), inputSchema: { type: 'object' } }));
  const list = JSON.stringify({ result: { tools }, jsonrpc: '2.0', id: 2 });
  const reader = new MessageReader(limits);
  reader.push(Buffer.from(list));
  expect(reader.finish()).toEqual({ kind: 'json', json: list });

  const call = { result: { content: [{ type: 'text', text: 't'.repeat(300) }], structuredContent: { rows: [...tools, ...tools] }, isError: false, _meta: { note: 'n'.repeat(300) } }, jsonrpc: '2.0', id: 3 };
  reader.push(Buffer.from(JSON.stringify(call)));
  const read = reader.finish();
  const kept = JSON.parse((read as { json: string }).json) as typeof call;
  expect(kept.result.content[0]!.text).toBe('t'.repeat(100));
  expect(kept.result.structuredContent.rows.length).toBeLessThan(400);
  expect(kept.result._meta).toEqual(call.result._meta);
  expect(kept.result.isError).toBe(false);
});
