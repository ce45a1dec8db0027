import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { exited, serveProcess } from '../helpers/serve-process.js';

/**
 * No Docker engine runs here, so this takes the Dockerfile's runtime steps by hand: production
 * dependencies only, in a clean folder, the compiled code beside them, started from an empty
 * config folder (the embedded default), then /health and a call.
 */
const ROOT = path.resolve(__dirname, '../..');

test('a production install in a clean folder starts and answers', async () => {
  const app = mkdtempSync(path.join(tmpdir(), 'shim-app-'));
  for (const file of ['package.json', 'package-lock.json']) cpSync(path.join(ROOT, file), path.join(app, file));
  await promisify(execFile)('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app });
  cpSync(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
  const config = mkdtempSync(path.join(tmpdir(), 'shim-config-'));

  const { url, child } = await serveProcess(path.join(app, 'dist/cli.js'), [], config, { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0' });
  try {
    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', upstreams: { everything: { state: 'ready' } } });
    const res = await fetch(`${url}/tools/get-sum/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: '{"a": 20, "b": 22}' }] }),
    });
    const completion = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(completion.choices[0]!.message.content).toContain('42');
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited(child)).toBe(0);
});
