import { PassThrough } from 'node:stream';
import { eachLine } from '../../src/upstreams/stderr-lines.js';

async function linesOf(write: (stream: PassThrough) => void, maxLineBytes?: number): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  eachLine(stream, (line) => lines.push(line), maxLineBytes);
  const ended = new Promise((resolve) => stream.on('end', resolve));
  write(stream);
  stream.end();
  await ended;
  return lines;
}

describe('a server\'s stderr, line by line', () => {
  test('lines split across chunks and several in one chunk, CRLF or LF, and a last line without a newline', async () => {
    const lines = await linesOf((stream) => {
      stream.write('star');
      stream.write('ting\r\nready\nlis');
      stream.write('tening on 8080');
    });
    expect(lines).toEqual(['starting', 'ready', 'listening on 8080']);
  });

  test('a 20 MB line is cut to the bound and says how much it left out; the next line is whole', async () => {
    const megabyte = Buffer.alloc(1024 * 1024, 'x');
    const lines = await linesOf((stream) => {
      for (let i = 0; i < 20; i += 1) stream.write(megabyte);
      stream.write('\nnext line\n');
    }, 1000);
    expect(lines).toEqual([`${'x'.repeat(1000)}… (${20 * 1024 * 1024 - 1000} more bytes not logged)`, 'next line']);
  });
});
