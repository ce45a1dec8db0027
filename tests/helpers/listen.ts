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
  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(listening)));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
