import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { REPLICA_COOLDOWN_SECONDS } from '../../src/litellm/snippets.js';
import { TEST_SERVER } from '../fixtures/rest-adapter.js';
import { freePort } from '../helpers/free-port.js';
import { exited, serveProcess, type ServeProcess } from '../helpers/serve-process.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  message: string;
}

/**
 * Two shim replicas behind the real LiteLLM proxy, configured by `snippets --base-url A --base-url B`,
 * and one of them SIGKILLed under load, then restarted: the failover the snippets promise.
 */
describe('two replicas behind LiteLLM, one killed under load', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-replicas-'));
  const recordFile = path.join(dir, 'executions');
  const config = path.join(dir, 'mcp-model-shim.yaml');
  // Both replicas run the same MCP server, writing every execution of `record` to one file.
  writeFileSync(
    config,
    YAML.stringify({ mcpServers: { db: { command: process.execPath, args: [TEST_SERVER], env: { SUITE_TOOLS: '1', RECORD_FILE: recordFile } } } }),
  );
  const replicas: { port: number; process?: ServeProcess }[] = [];
  let litellm: LiteLLM;

  const startReplica = async (replica: { port: number; process?: ServeProcess }) => {
    replica.process = await serveProcess(CLI, ['--config', config, '--port', String(replica.port)], dir);
  };

  beforeAll(async () => {
    for (let i = 0; i < 2; i += 1) {
      const replica = { port: await freePort() };
      await startReplica(replica);
      replicas.push(replica);
    }
    const baseUrls = replicas.flatMap((replica) => ['--base-url', replica.process!.url]);
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'snippets', '--config', config, ...baseUrls, '--format', 'json'], { cwd: dir });
    litellm = await startLiteLLM(JSON.parse(stdout));
  });
  afterAll(async () => {
    await litellm?.stop();
    for (const replica of replicas) {
      replica.process?.child.kill('SIGTERM');
      if (replica.process) await exited(replica.process.child);
    }
  });

  const call = async (model: string, content: string): Promise<Answer> => {
    const response = await fetch(`${litellm.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${litellm.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
    });
    const body = (await response.json()) as { choices?: { message: { content: string } }[]; error?: { message: string } };
    return { status: response.status, message: body.error?.message ?? body.choices?.[0]?.message.content ?? '' };
  };

  test('read-only calls all succeed, each mutating call runs at most once, failures are clear errors, and the restarted replica takes traffic again', async () => {
    const reads: Answer[] = [];
    const writes = new Map<string, Answer>();
    let running = true;
    const worker = async (w: number) => {
      for (let i = 0; running; i += 1) {
        reads.push(await call('pg_execute_query', '{"operation": "select", "query": "SELECT 1"}'));
        const id = `w${w}-${i}`;
        writes.set(id, await call('record', JSON.stringify({ id, ms: 20 })));
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(worker));
    await sleep(1500);
    const victim = replicas[1]!;
    victim.process!.child.kill('SIGKILL');
    await exited(victim.process!.child);
    await sleep(2000);
    await startReplica(victim);
    await sleep(1500);
    running = false;
    await load;

    // Read-only: a failure takes the dead replica out of rotation and the retry goes to the other.
    expect(reads.filter((read) => read.status !== 200)).toEqual([]);
    expect(reads.length).toBeGreaterThan(20);

    // Mutating: never retried, so never run twice; a success ran exactly once.
    const executions = existsSync(recordFile) ? readFileSync(recordFile, 'utf8').split('\n').filter(Boolean) : [];
    const runs = (id: string) => executions.filter((line) => line === id).length;
    for (const [id, answer] of writes) {
      expect({ id, runs: runs(id) }).toEqual({ id, runs: answer.status === 200 ? 1 : expect.any(Number) });
      expect(runs(id)).toBeLessThanOrEqual(1);
      // A failure says what happened: the dead replica's connection, never a bare status.
      if (answer.status !== 200) expect(answer.message).toMatch(/Connection error|not sent|may have run/i);
    }
    const failed = [...writes.values()].filter((answer) => answer.status !== 200).length;
    expect(failed).toBeLessThan(writes.size / 4);

    // Once its cooldown is over, the restarted replica is called again.
    await sleep(REPLICA_COOLDOWN_SECONDS * 1000 + 1000);
    const logBefore = victim.process!.logs().split('\n').filter((line) => line.includes('"message":"request"')).length;
    for (let i = 0; i < 20; i += 1) expect((await call('pg_execute_query', '{"operation": "select", "query": "SELECT 2"}')).status).toBe(200);
    const logAfter = victim.process!.logs().split('\n').filter((line) => line.includes('"message":"request"')).length;
    expect(logAfter - logBefore).toBeGreaterThan(0);
    console.log(`replicas: ${reads.length} read-only calls, all answered; ${writes.size} mutating calls, ${failed} failed without running twice`);
  });
});
