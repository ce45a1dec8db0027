import request from 'supertest';
import { alive, descendants } from '../../src/upstreams/process-tree.js';
import { TEST_SERVER } from '../fixtures/rest-adapter.js';
import { startShim } from '../../src/server.js';
import { startTestShim, stdioTestServer } from '../helpers/shim.js';

const chat = (content: string) => ({ messages: [{ role: 'user', content }] });

describe('shutdown', () => {
  test('ends each stdio child and every process it started: no orphans', async () => {
    // A server whose process has a child of its own, as one started through npx or a shell.
    const script = `sleep 300 & exec ${JSON.stringify(process.execPath)} ${JSON.stringify(TEST_SERVER)}`;
    const shim = await startTestShim({ db: { command: 'sh', args: ['-c', script] } });
    const pid = Number((await request(shim.url).post('/tools/pid/chat/completions').send(chat(''))).body.choices[0].message.content);
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThan(0);
    expect(alive(pid)).toBe(true);
    await shim.close();
    expect(alive(pid)).toBe(false);
    expect(tree.filter(alive)).toEqual([]);
  });

  test('lets a call in flight finish, then closes', async () => {
    const shim = await startTestShim({ db: stdioTestServer() });
    const inFlight = request(shim.url).post('/tools/slow/chat/completions').send(chat('{"ms": 600}')).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = shim.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.choices[0].message.content).toBe('slept 600 ms');
    await closed;
    await expect(fetch(`${shim.url}/health`)).rejects.toThrow();
  });
});

test('a call that outlasts server.shutdownGraceSeconds is cut off', async () => {
  const shim = await startShim(
    { server: { host: '127.0.0.1', port: 0, shutdownGraceSeconds: 0.2 }, mcpServers: { db: stdioTestServer() } },
    { host: '127.0.0.1', port: 0 },
  );
  const inFlight = request(shim.url).post('/tools/slow/chat/completions').send(chat('{"ms": 5000}')).then(
    (res) => res.status,
    () => 'cut off',
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  await shim.close();
  // Had close waited for the call, it would have answered 200 after 5 s.
  expect(await inFlight).toBe('cut off');
});
