import express from 'express';
import request from 'supertest';
import Transport from 'winston-transport';
import { log } from '../../src/log.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { listen, type Listening } from '../helpers/listen.js';

const PASSWORD = 'hunter2-s3cret';
const DATABASE_URL = `postgresql://app:${PASSWORD}@db.internal/prod`;
const HEADER_TOKEN = 'adapter-token-123456';

/** Collects every log entry, as written. */
class Collect extends Transport {
  readonly lines: string[] = [];
  override log(info: object, done: () => void): void {
    this.lines.push(JSON.stringify(info));
    done();
  }
}

describe('secrets never leave through errors, logs or /health', () => {
  let upstream: Listening;
  let shim: RunningShim;
  const logs = new Collect({ level: 'debug' });

  beforeAll(async () => {
    // A careless upstream that echoes what it was sent in its errors.
    const app = express();
    app.use(express.json());
    app.get('/tools', (_req, res) => {
      res.json({ tools: [{ name: 'query', inputSchema: { type: 'object', properties: { sql: { type: 'string' }, connectionString: { type: 'string' } } } }] });
    });
    app.post('/tools/query', (req, res) => {
      res.status(500).json({ error: `cannot connect to ${req.body.arguments.connectionString} with ${req.headers['x-token']}` });
    });
    upstream = await listen(app);
    log.add(logs);
    log.level = 'debug';
    shim = await startShim(
      {
        server: { host: '127.0.0.1', port: 0 },
        mcpServers: { db: { type: 'rest', url: upstream.url, headers: { 'x-token': HEADER_TOKEN } } },
        tools: { query: { pin: { connectionString: DATABASE_URL } } },
      },
      { host: '127.0.0.1', port: 0 },
    );
  });
  afterAll(async () => {
    log.remove(logs);
    log.level = process.env.LOG_LEVEL ?? 'warn';
    await shim.close();
    await upstream.close();
  });

  test('an upstream echoing a pinned value and a header gets both redacted', async () => {
    const res = await request(shim.url).post('/tools/query/chat/completions').send({ messages: [{ role: 'user', content: 'SELECT 1' }] });
    expect(res.status).toBe(424);
    const text = JSON.stringify(res.body);
    expect(text).toContain('cannot connect to [redacted] with [redacted]');
    for (const secret of [PASSWORD, HEADER_TOKEN, 'db.internal']) expect(text).not.toContain(secret);
    const logged = logs.lines.join('\n');
    expect(logged).toContain('[redacted]');
    for (const secret of [PASSWORD, HEADER_TOKEN]) expect(logged).not.toContain(secret);
    const health = JSON.stringify((await request(shim.url).get('/health')).body);
    for (const secret of [PASSWORD, HEADER_TOKEN]) expect(health).not.toContain(secret);
    const tools = JSON.stringify((await request(shim.url).get('/tools')).body);
    expect(tools).not.toContain('connectionString');
  });
});
