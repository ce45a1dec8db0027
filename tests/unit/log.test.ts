import Transport from 'winston-transport';
import { log } from '../../src/log.js';
import { StderrLines } from '../../src/log-stream.js';
import { useSecrets } from '../../src/secrets.js';

/** Collects every finished line, as the console transport would write it. */
class Lines extends Transport {
  readonly lines: string[] = [];
  override log(info: Record<symbol, string>, done: () => void): void {
    this.lines.push(info[Symbol.for('message')]!);
    done();
  }
}

describe('the log line', () => {
  const lines = new Lines();
  beforeAll(() => log.add(lines));
  afterAll(() => {
    log.remove(lines);
    useSecrets([]);
  });

  test('is one JSON object: time, level, message, then the fields, secrets redacted', () => {
    useSecrets(['hunter2-s3cret']);
    log.warn('request', { tool: 'echo', status: 200, note: 'pw hunter2-s3cret', nested: { url: 'x://hunter2-s3cret@db' } });
    const line = lines.lines.at(-1)!;
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(entry)).toEqual(['timestamp', 'level', 'message', 'tool', 'status', 'note', 'nested']);
    expect(entry).toMatchObject({ level: 'warn', message: 'request', tool: 'echo', status: 200, note: 'pw [redacted]', nested: { url: 'x://[redacted]@db' } });
    expect(Number.isNaN(Date.parse(entry.timestamp as string))).toBe(false);
    expect(line).not.toContain('hunter2');
  });

  test('an entry JSON cannot hold (a cycle, a BigInt) is still written', () => {
    useSecrets([]);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.warn('odd', { cycle, big: 10n });
    expect(JSON.parse(lines.lines.at(-1)!)).toMatchObject({ level: 'warn', message: 'odd', big: '10', cycle: { self: '[Circular]' } });
  });

  test('a cycle is cut, not followed, while secrets are redacted', () => {
    useSecrets(['hunter2-s3cret']);
    const cycle: Record<string, unknown> = { note: 'hunter2-s3cret', shared: { a: 1 } };
    cycle.self = cycle;
    cycle.again = cycle.shared;
    log.warn('odd', { cycle });
    expect(JSON.parse(lines.lines.at(-1)!)).toMatchObject({ cycle: { note: '[redacted]', self: '[Circular]', shared: { a: 1 }, again: { a: 1 } } });
  });
});

describe('log lines to stderr', () => {
  test('the lines of one turn go out in one write, in order, at its end', async () => {
    // The process logger's own lines of the tests above go out first.
    await new Promise((resolve) => setImmediate(resolve));
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const stream = new StderrLines();
      const line = (text: string) => stream.log({ [Symbol.for('message')]: text }, () => undefined);
      line('{"n":1}');
      line('{"n":2}');
      expect(writes).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(writes).toEqual(['{"n":1}\n{"n":2}\n']);
      line('{"n":3}');
      stream.close();
      expect(writes).toEqual(['{"n":1}\n{"n":2}\n', '{"n":3}\n']);
    } finally {
      spy.mockRestore();
    }
  });
});
