import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from './config/errors.js';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS, type ShimConfig } from './config/types.js';
import { createApp, type AppOptions } from './http/app.js';
import { answerClientErrors } from './http/client-error.js';
import { createHttpServer, listen } from './http/http-server.js';
import { agentsFromConfig } from './agents/agent.js';
import { allOf } from './call-outcome.js';
import { createLlm } from './llm/client.js';
import { log } from './log.js';
import { ShimMetrics } from './metrics.js';
import { ToolRegistry } from './registry.js';
import { secretsOf, useSecrets } from './secrets.js';
import { loadTracing } from './tracing/index.js';

export interface ServeOptions extends Omit<AppOptions, 'apiKeys' | 'maxBodyBytes' | 'docs'> {
  host: string;
  port: number;
  /** Listen beyond loopback without API keys (`--allow-unauthenticated`). */
  allowUnauthenticated?: boolean;
  /** How long a shutdown waits for calls in flight before cutting connections (default: the config's). */
  shutdownGraceMs?: number;
  /** Aborted while the upstreams are still starting: they are closed and startShim rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface RunningShim {
  url: string;
  registry: ToolRegistry;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * Without API keys, anyone who reaches the port can run every tool: that is only the default
 * on loopback. Anything else needs keys or an explicit opt-out.
 */
export function checkBind(host: string, apiKeys: readonly unknown[] | undefined, allowUnauthenticated = false): void {
  if ((apiKeys?.length ?? 0) > 0 || allowUnauthenticated || LOOPBACK.test(host)) return;
  throw new ConfigError(
    `refusing to listen on ${host} without API keys: anyone who reaches it could run every tool. ` +
      'Set server.apiKeys, bind 127.0.0.1, or pass --allow-unauthenticated.',
  );
}

/** Connects every upstream, reads their tools, then listens. */
export async function startShim(
  config: ShimConfig,
  { host, port, allowUnauthenticated, shutdownGraceMs, signal, ...appOptions }: ServeOptions,
): Promise<RunningShim> {
  checkBind(host, config.server.apiKeys, allowUnauthenticated);
  useSecrets(secretsOf(config));
  const metrics = config.server.metrics === false ? undefined : new ShimMetrics();
  const tracing = await loadTracing({ recordContent: config.server.traceContent === true });
  const registry = ToolRegistry.fromConfig(config, allOf([metrics, tracing]));
  metrics?.watch(registry);
  // A shutdown during start-up closes the upstreams at once, which ends their pending connects.
  let closing: Promise<void> | undefined;
  const stopStarting = () => void (closing ??= registry.close());
  signal?.addEventListener('abort', stopStarting, { once: true });
  try {
    await registry.start();
  } finally {
    signal?.removeEventListener('abort', stopStarting);
  }
  if (signal?.aborted) {
    await (closing ??= registry.close());
    throw signal.reason;
  }
  const { apiKeys, maxBodyBytes } = config.server;
  const llm = config.llm ? createLlm(config.llm) : undefined;
  const agents = agentsFromConfig(config.agents);
  for (const name of agents.keys()) {
    const shadowed = registry.get(name);
    if (shadowed) log.warn('an agent has the name of a tool; the agent answers to it', { agent: name, upstream: shadowed.upstream.name });
  }
  let shuttingDown = false;
  const app = createApp(registry, { ...appOptions, apiKeys, maxBodyBytes, metrics, tracing, llm, agents, shuttingDown: () => shuttingDown, docs: config.server.docs !== false });
  const server = createHttpServer(app);
  try {
    await listen(server, port, host);
  } catch (err) {
    await registry.close();
    throw err;
  }
  answerClientErrors(server);
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    registry,
    async close() {
      // `/ready` answers 503 from here on, while the listener stays open for shutdownDelaySeconds:
      // a balancer polling it stops sending calls before connections are refused.
      shuttingDown = true;
      const delayMs = (config.server.shutdownDelaySeconds ?? 0) * 1000;
      if (delayMs > 0) await delay(delayMs);
      // Stop accepting, let calls in flight finish within the grace period, then cut the rest.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const graceMs = shutdownGraceMs ?? (config.server.shutdownGraceSeconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS) * 1000;
      const grace = setTimeout(() => server.closeAllConnections(), graceMs);
      await drained;
      clearTimeout(grace);
      await registry.close();
      // The last spans, but never a hang: a collector that does not answer gets a second.
      if (tracing) await Promise.race([tracing.flush().catch(() => undefined), delay(1000)]);
    },
  };
}
