import type { AddressInfo } from 'node:net';
import type { ShimConfig } from './config/types.js';
import { createApp, type AppOptions } from './http/app.js';
import { ToolRegistry } from './registry.js';

export interface ServeOptions extends AppOptions {
  host: string;
  port: number;
}

export interface RunningShim {
  url: string;
  registry: ToolRegistry;
  close(): Promise<void>;
}

/** Connects every upstream, reads their tools, then listens. */
export async function startShim(config: ShimConfig, { host, port, ...appOptions }: ServeOptions): Promise<RunningShim> {
  const registry = ToolRegistry.fromConfig(config);
  await registry.start();
  const app = createApp(registry, appOptions);
  let server: ReturnType<typeof app.listen>;
  try {
    server = await new Promise((resolve, reject) => {
      const listening = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(listening)));
    });
  } catch (err) {
    await registry.close();
    throw err;
  }
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    registry,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await registry.close();
    },
  };
}
