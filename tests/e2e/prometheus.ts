import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { startOnFreePort } from '../helpers/free-port.js';

const BINARY = '/usr/bin/prometheus';

export interface Prometheus {
  url: string;
  /** An instant PromQL query's result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/**
 * The real Prometheus (Debian's package, installed by .ci/run) scraping one target every second,
 * with a bearer token as the README's scrape config shows, on a free loopback port.
 */
export async function startPrometheus(target: string, bearerToken: string): Promise<Prometheus> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: apt-get install prometheus (.ci/run does)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'shim-prometheus-'));
  const job = `mcp-model-shim-${randomBytes(6).toString('hex')}`;
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    YAML.stringify({
      global: { scrape_interval: '1s' },
      scrape_configs: [{ job_name: job, authorization: { type: 'Bearer', credentials: bearerToken }, static_configs: [{ targets: [new URL(target).host] }] }],
    }),
  );
  return startOnFreePort(async (port) => {
    const child = spawn(
      BINARY,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let output = '';
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output.slice(-2000)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`prometheus did not start within 30 s:\n${output.slice(-2000)}`);
      }
      // Ours, not a neighbour that won the port: its config names our job.
      const config = await fetch(`${url}/api/v1/status/config`).then((res) => (res.ok ? res.text() : ''), () => '');
      if (config.includes(job)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      url,
      async query(promql) {
        const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
        const body = (await response.json()) as { status: string; error?: string; data: { result: [] } };
        if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
        return body.data.result;
      },
      stop: () =>
        new Promise<void>((resolve) => {
          const done = () => {
            rmSync(dir, { recursive: true, force: true });
            resolve();
          };
          if (child.exitCode !== null) return done();
          child.on('exit', done);
          child.kill('SIGTERM');
        }),
    };
  });
}
