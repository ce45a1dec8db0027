import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface Listening {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves an express app on loopback: a free port, or `port` (to restart a server where it was). */
export async function listen(app: Express, port = 0): Promise<Listening> {
  const server = await bind(app, port);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A port given back is in the ephemeral range: an outgoing connection (the shim reconnecting to
 * this very server) may hold it for a moment, so a restart retries for up to 5 s.
 */
async function bind(app: Express, port: number): Promise<Server> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await new Promise<Server>((resolve, reject) => {
        const listening = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(listening)));
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0 || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
