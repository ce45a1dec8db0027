import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startOnFreePort } from '../helpers/free-port.js';

export interface LiteLLM {
  url: string;
  masterKey: string;
  /** Everything the proxy printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real LiteLLM proxy (LITELLM_BIN, set by tests/e2e/run.sh) with this config, on a free
 * loopback port (another one when the port is taken before uvicorn binds it).
 */
export async function startLiteLLM(config: object): Promise<LiteLLM> {
  const bin = process.env.LITELLM_BIN;
  if (!bin) throw new Error('LITELLM_BIN is not set: run the e2e suite with `npm run test:e2e`');
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-litellm-'));
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, YAML.stringify(config));
  return startOnFreePort((port) => startOn(bin, file, port));
}

async function startOn(bin: string, file: string, port: number): Promise<LiteLLM> {
  const masterKey = `sk-e2e-${randomBytes(18).toString('hex')}`;
  const child: ChildProcess = spawn(bin, ['--config', file, '--host', '127.0.0.1', '--port', String(port), '--num_workers', '1'], {
    env: {
      ...process.env,
      LITELLM_MASTER_KEY: masterKey,
      // No network here: use the bundled model cost map instead of fetching it.
      LITELLM_LOCAL_MODEL_COST_MAP: 'True',
      LITELLM_TELEMETRY: 'False',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    // Its output names the lost bind ("address already in use"): startOnFreePort tries another port.
    if (child.exitCode !== null) throw new Error(`LiteLLM exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`LiteLLM did not start within 120 s:\n${output.slice(-3000)}`);
    }
    // Ready means our own proxy answers: another one that won the port would refuse our master key.
    const ready = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${masterKey}` } }).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    masterKey,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
