import { renderProgress, renderResult } from '../../src/render.js';

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
    const result = renderResult({ content: [{ type: 'text', text: '{"temperature":21.5}' }], structuredContent: { temperature: 21.5 } });
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
    expect(renderResult({ content: [{ type: 'text', text }] }, 7)).toBe(text);
    expect(renderResult({ content: [{ type: 'text', text }] }, 4)).toBe('ab\n\n[… result truncated to 4 of its 7 bytes (maxResultBytes)]');
  });
});

describe('renderProgress', () => {
  test('progress is a line with the count, the total when known, and the message', () => {
    expect(renderProgress({ progress: 3, total: 10, message: 'Copying files' })).toBe('[3/10] Copying files\n');
    expect(renderProgress({ progress: 0.5 })).toBe('[0.5]\n');
  });
});
