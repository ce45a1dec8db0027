import { jsonDocument } from '../../src/render/json-document.js';
import { renderProgress, renderResult } from '../../src/render/result.js';
import type { CallToolResult } from '../../src/upstreams/types.js';

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
/** The PostgreSQL MCP server's answer to a SELECT: a preamble, then the rows as JSON. */
const PG_ANSWER = `Retrieved 2 rows:\n${JSON.stringify([{ item: 'widget', amount: 3 }, { item: 'gadget', amount: 5.5 }], null, 2)}`;

describe('renderResult', () => {
  test('text parts are joined by blank lines', () => {
    const result = renderResult({ content: [{ type: 'text', text: 'first' }, { type: 'text', text: 'second\nline' }] });
    expect(result).toBe('first\n\nsecond\nline');
  });

  test('an image becomes a Markdown image with a data URI', () => {
    expect(renderResult({ content: [{ type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' }] })).toBe(
      '![image](data:image/png;base64,iVBORw0KGgo=)',
    );
  });

  test('structuredContent without text becomes a fenced JSON block', () => {
    expect(renderResult({ content: [], structuredContent: { temperature: 21.5, unit: 'C' } })).toBe(
      '```json\n{\n  "temperature": 21.5,\n  "unit": "C"\n}\n```',
    );
  });

  test('structuredContent next to text is not repeated', () => {
    const result = renderResult({ content: [{ type: 'text', text: '{"temperature":21.5}' }], structuredContent: { temperature: 21.5 } }, { mode: 'text' });
    expect(result).toBe('{"temperature":21.5}');
  });

  test('a text resource is a fenced block labelled with its uri', () => {
    const result = renderResult({ content: [{ type: 'resource', resource: { uri: 'file:///etc/motd', mimeType: 'text/plain', text: 'Welcome' } }] });
    expect(result).toBe('file:///etc/motd\n```\nWelcome\n```');
  });

  test('a binary resource is a note with its mime type and size in bytes', () => {
    const result = renderResult({ content: [{ type: 'resource', resource: { uri: 'file:///a.bin', mimeType: 'application/zip', blob: 'AAECAwQ=' } }] });
    expect(result).toBe('[resource file:///a.bin: application/zip, 5 bytes]');
  });

  test('a resource link is a Markdown link, titled when it has a title', () => {
    const result = renderResult({
      content: [
        { type: 'resource_link', uri: 'https://example.com/r/1', name: 'r1' },
        { type: 'resource_link', uri: 'https://example.com/r/2', name: 'r2', title: 'Report two' },
      ],
    });
    expect(result).toBe('[r1](https://example.com/r/1)\n\n[Report two](https://example.com/r/2)');
  });

  test('the fence is longer than any backtick run in the text', () => {
    const text = 'a ```js\ncode\n``` and ```` four';
    expect(renderResult({ content: [{ type: 'resource', resource: { uri: 'mem://x', text } }] })).toBe(`mem://x\n\`\`\`\`\`\n${text}\n\`\`\`\`\``);
  });

  test('text over maxBytes is cut at a character boundary, with a note', () => {
    const text = 'ab€cd'; // € is three bytes in UTF-8
    expect(renderResult({ content: [{ type: 'text', text }] }, { maxBytes: 7 })).toBe(text);
    expect(renderResult({ content: [{ type: 'text', text }] }, { maxBytes: 4 })).toBe('ab\n\n[… result truncated to 4 of its 7 bytes (maxResultBytes)]');
  });
});

describe('rows as tables (render: auto)', () => {
  test('a JSON array of objects after a preamble becomes a Markdown table under the preamble', () => {
    expect(renderResult(text(PG_ANSWER))).toBe('Retrieved 2 rows:\n\n| item | amount |\n| --- | --- |\n| widget | 3 |\n| gadget | 5.5 |');
  });

  test('ragged rows: columns are the union of keys in first-seen order, missing cells empty, nested values compact JSON', () => {
    const rows = [{ a: 1 }, { b: { c: [1, 2] }, a: null }, { d: true }];
    expect(renderResult(text(JSON.stringify(rows)))).toBe(
      '| a | b | d |\n| --- | --- | --- |\n| 1 |  |  |\n| null | {"c":[1,2]} |  |\n|  |  | true |',
    );
  });

  test('no cell can break the table: |, newlines, backticks and backslashes are escaped', () => {
    const rows = [{ 'a|b': 'x | y', text: 'line 1\nline 2\r\nline 3', code: '`rm -rf`', path: 'C:\\tmp' }];
    const table = renderResult(text(JSON.stringify(rows)));
    expect(table).toBe('| a\\|b | text | code | path |\n| --- | --- | --- | --- |\n| x \\| y | line 1\\nline 2\\nline 3 | \\`rm -rf\\` | C:\\\\tmp |');
    for (const line of table.split('\n').filter((l) => l.startsWith('|'))) expect(line.split(/(?<!\\)\|/)).toHaveLength(6);
  });

  test('at most maxTableRows rows, and a line saying how many more there are and how to get them', () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({ id: i }));
    const rendered = renderResult(text(JSON.stringify(rows)), { maxTableRows: 50, tool: 'pg_execute_query' });
    expect(rendered.split('\n').filter((line) => /^\| \d+ \|$/.test(line))).toHaveLength(50);
    expect(rendered.split('\n').at(-1)).toBe(
      '*70 more rows not shown (120 in all). For every row, ask for JSON (`response_format: {"type": "json_object"}`) or call `POST /tools/pg_execute_query` with `{"arguments": …}`.*',
    );
  });

  test('structuredContent rows become a table; other JSON a fenced block; plain text and scalars stay', () => {
    expect(renderResult({ content: [], structuredContent: [{ sum: 3 }] as unknown as Record<string, unknown> })).toBe('| sum |\n| --- |\n| 3 |');
    expect(renderResult(text('{"ok": true}'))).toBe('```json\n{\n  "ok": true\n}\n```');
    expect(renderResult(text('[1, 2]'))).toBe('```json\n[\n  1,\n  2\n]\n```');
    expect(renderResult(text('just words [not json'))).toBe('just words [not json');
    expect(renderResult(text('42'))).toBe('42');
  });

  test('render: table keeps other JSON as text; render: text keeps everything as the tool wrote it', () => {
    expect(renderResult(text('{"ok": true}'), { mode: 'table' })).toBe('{"ok": true}');
    expect(renderResult(text(PG_ANSWER), { mode: 'table' })).toContain('| widget | 3 |');
    expect(renderResult(text(PG_ANSWER), { mode: 'text' })).toBe(PG_ANSWER);
  });

  test('text over maxBytes is not parsed: it stays text, cut as before', () => {
    const rows = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ id: i })));
    expect(renderResult(text(rows), { maxBytes: 100 })).toBe(`${rows.slice(0, 100)}\n\n[… result truncated to 100 of its ${rows.length} bytes (maxResultBytes)]`);
  });

  test('a table of many rows stays within maxBytes', () => {
    const rows = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ id: i, text: 'x'.repeat(100) })));
    expect(Buffer.byteLength(renderResult(text(rows), { maxBytes: 2000, maxTableRows: 1000 }))).toBeLessThan(2100);
  });
});

describe('jsonDocument (response_format: json_object)', () => {
  test('structuredContent when the tool returned it', () => {
    expect(jsonDocument({ content: [{ type: 'text', text: 'sum is 3' }], structuredContent: { sum: 3 } }, 1000)).toBe('{"sum":3}');
  });

  test('else the JSON in the text, whole or after a preamble', () => {
    expect(JSON.parse(jsonDocument(text(PG_ANSWER), 1000))).toEqual([{ item: 'widget', amount: 3 }, { item: 'gadget', amount: 5.5 }]);
    expect(jsonDocument(text('[1,2]'), 1000)).toBe('[1,2]');
  });

  test('else the text as {"text": …}; an error result too', () => {
    expect(jsonDocument(text('no rows'), 1000)).toBe('{"text":"no rows"}');
    expect(jsonDocument({ isError: true, content: [{ type: 'text', text: 'the database said no' }] }, 1000)).toBe('{"text":"the database said no"}');
  });

  test('a document over maxBytes is still one JSON document: the text, cut with a note', () => {
    const json = jsonDocument(text(JSON.stringify({ big: 'y'.repeat(500) })), 200);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(200);
    const document = JSON.parse(json) as { text: string };
    expect(document.text).toMatch(/^\{"big":"y+\n\n\[… result truncated to \d+ of its 510 bytes \(maxResultBytes\)\]$/);
  });
});

describe('renderProgress', () => {
  test('progress is a line with the count, the total when known, and the message', () => {
    expect(renderProgress({ progress: 3, total: 10, message: 'Copying files' })).toBe('[3/10] Copying files\n');
    expect(renderProgress({ progress: 0.5 })).toBe('[0.5]\n');
  });
});
