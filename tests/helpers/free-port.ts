import { createServer } from 'node:net';

/**
 * A loopback port the kernel says is free now. Whoever binds it next can still lose it to another
 * socket (an outgoing connection takes its local port from the same ephemeral range), so programs
 * that must be told their port up front are started with `startOnFreePort`.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const BIND_FAILED = /EADDRINUSE|address already in use/i;

/** Runs `start` on a free port, and again on a new one when it fails because the port was taken meanwhile. */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (attempt >= attempts || !BIND_FAILED.test(err instanceof Error ? err.message : String(err))) throw err;
    }
  }
}
