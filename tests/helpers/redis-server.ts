import { spawn } from 'node:child_process';
import { startOnFreePort } from './free-port.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real `redis-server` (Debian's package, installed by .ci/run) on a free loopback port, without
 * persistence; `stop` ends it. Another port is tried when this one was taken before it bound.
 */
export function startRedis(): Promise<RedisServer> {
  return startOnFreePort((port) => startOn(port));
}

function startOn(port: number): Promise<RedisServer> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within 10 s:\n${output}`));
    }, 10_000);
    const read = (data: Buffer) => {
      output += data.toString();
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      resolve({
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    // Its log names a lost bind ("Address already in use"): startOnFreePort tries another port.
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
}
