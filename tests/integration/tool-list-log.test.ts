import Transport from 'winston-transport';
import { embeddedConfig } from '../../src/config/embedded.js';
import { log } from '../../src/log.js';
import { startShim } from '../../src/server.js';
import { startRemoteServer } from '../fixtures/remote-mcp-server.js';
import { eventually, startTestShim } from '../helpers/shim.js';

/** Every log entry from here on, at debug level, as message and fields. */
class Entries extends Transport {
  readonly entries: Record<string, unknown>[] = [];
  override log(info: Record<string, unknown>, done: () => void): void {
    this.entries.push({ ...info });
    done();
  }
  named(message: string): Record<string, unknown>[] {
    return this.entries.filter((entry) => entry.message === message);
  }
}

describe('"tools loaded" is logged once per change of the tool list', () => {
  let entries: Entries;
  const level = log.level;
  // The debug lines go to the test's own transport only, not to the report on stderr.
  const stderr = log.transports[0]!;
  beforeEach(() => {
    entries = new Entries();
    log.add(entries);
    stderr.level = level;
    log.level = 'debug';
  });
  afterEach(() => {
    log.level = level;
    stderr.level = undefined;
    log.remove(entries);
  });

  test('the embedded default (the "everything" server) logs it once at start', async () => {
    const shim = await startShim(embeddedConfig(), { host: '127.0.0.1', port: 0 });
    try {
      // The server registers more tools once initialised and says so (list_changed); none of them is exposed.
      await eventually(() => entries.named('tool list unchanged').length > 0);
      expect(entries.named('tools loaded')).toEqual([expect.objectContaining({ upstream: 'everything', tools: 6 })]);
    } finally {
      await shim.close();
    }
  });

  test('a tool added at run time logs it again; list_changed without a change does not', async () => {
    const server = await startRemoteServer('streamable-http');
    const shim = await startTestShim({ remote: { type: 'streamable-http', url: server.url } });
    try {
      const before = entries.named('tools loaded');
      expect(before).toHaveLength(1);
      server.addTool('late-tool');
      await eventually(() => entries.named('tools loaded').length === 2);
      const [first, second] = entries.named('tools loaded') as { tools: number }[];
      expect(second!.tools).toBe(first!.tools + 1);
      const unchanged = entries.named('tool list unchanged').length;
      server.notifyToolsChanged();
      await eventually(() => entries.named('tool list unchanged').length > unchanged);
      expect(entries.named('tools loaded')).toHaveLength(2);
    } finally {
      await shim.close();
      await server.close();
    }
  });
});
