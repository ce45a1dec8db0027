import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from './config/errors.js';
import { DEFAULT_SHUTDOWN_GRACE_SECONDS, type ShimConfig } from './config/types.js';
import { createApp, type AppOptions } from './http/app.js';
import { answerClientErrors } from './http/client-error.js';
import { adoptPrototypes, createHttpServer, listen } from './http/http-server.js';
import { agentsFromConfig } from './agents/agent.js';
import { allOf } from './call-outcome.js';
import { createLlm } from './llm/client.js';
import { log } from './log.js';
import { ShimMetrics } from './metrics.js';
import { ToolRegistry } from './registry.js';
import { loadConfig } from './config/load.js';
import { reloadRefusal, type ReloadResult } from './reload.js';
import { redact, secretsOf, useSecrets } from './secrets.js';
import { createStore } from './state/index.js';
import { loadTracing } from './tracing/index.js';

export interface ServeOptions extends Omit<AppOptions, 'apiKeys' | 'maxBodyBytes' | 'store' | 'docs'> {
  host: string;
  port: number;
  /** Listen beyond loopback without API keys (`--allow-unauthenticated`). */
  allowUnauthenticated?: boolean;
  /** How long a shutdown waits for calls in flight before cutting connections (default: the config's). */
  shutdownGraceMs?: number;
  /** Aborted while the upstreams are still starting: they are closed and startShim rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The file `config` came from: `reload()` reads it again. None: the shim cannot reload. */
  configFile?: string;
}

export interface RunningShim {
  url: string;
  registry: ToolRegistry;
  /**
   * Reads the config file again and applies it (see `ToolRegistry.reconfigure`): a call sees the
   * old config or the new one, never a mix. An invalid or refused file changes nothing and
   * rejects with a ConfigError.
   */
  reload(): Promise<ReloadResult>;
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
  { host, port, allowUnauthenticated, shutdownGraceMs, signal, configFile, ...appOptions }: ServeOptions,
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
  // The store outlives reloads: its records (stored responses) belong to no one config.
  const store = await createStore(config.state, metrics);
  metrics?.watchStore(store);
  let shuttingDown = false;
  let live = config;
  /** Everything a config decides per call (keys, agents, the LLM, body limit) lives in one app. */
  const appFor = (next: ShimConfig) => {
    const { apiKeys, maxBodyBytes } = next.server;
    const agents = agentsFromConfig(next.agents);
    for (const name of agents.keys()) {
      const shadowed = registry.get(name);
      if (shadowed) log.warn('an agent has the name of a tool; the agent answers to it', { agent: name, upstream: shadowed.upstream.name });
    }
    const llm = next.llm ? createLlm(next.llm) : undefined;
    return createApp(registry, { ...appOptions, apiKeys, maxBodyBytes, metrics, tracing, llm, agents, store, shuttingDown: () => shuttingDown, reload: () => reload(), docs: next.server.docs !== false });
  };
  const base = appFor(config);
  let app = base;
  // Each request is answered whole by the app current when it arrived.
  const server = createHttpServer(base, (req, res) => app(req, res));
  const graceMsOf = (of: ShimConfig) => shutdownGraceMs ?? (of.server.shutdownGraceSeconds ?? DEFAULT_SHUTDOWN_GRACE_SECONDS) * 1000;

  async function reload(): Promise<ReloadResult> {
    try {
      if (!configFile) throw new ConfigError('the shim was started without a config file (the embedded default): there is no file to reload');
      const { config: next } = loadConfig(configFile);
      const refusal = reloadRefusal(live, next);
      if (refusal) throw new ConfigError(refusal);
      checkBind(host, next.server.apiKeys, allowUnauthenticated);
      // Messages of calls still running under the old config stay redacted too.
      useSecrets([...secretsOf(live), ...secretsOf(next)]);
      const nextApp = appFor(next);
      adoptPrototypes(nextApp, base);
      // One synchronous step: the next request sees the new tools and the new app together.
      const upstreams = registry.reconfigure(next, graceMsOf(next));
      app = nextApp;
      live = next;
      metrics?.reloaded(true, registry);
      log.info('config reloaded', { ...upstreams });
      return { upstreams };
    } catch (err) {
      metrics?.reloaded(false);
      log.error('config reload refused; the running config stays', { error: redact(err instanceof Error ? err.message : String(err)) });
      throw err;
    }
  }

  try {
    await listen(server, port, host);
  } catch (err) {
    await Promise.all([registry.close(), store.close()]);
    throw err;
  }
  answerClientErrors(server);
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    registry,
    reload,
    async close() {
      // `/ready` answers 503 from here on, while the listener stays open for shutdownDelaySeconds:
      // a balancer polling it stops sending calls before connections are refused.
      shuttingDown = true;
      const delayMs = (live.server.shutdownDelaySeconds ?? 0) * 1000;
      if (delayMs > 0) await delay(delayMs);
      // Stop accepting, let calls in flight finish within the grace period, then cut the rest.
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), graceMsOf(live));
      await drained;
      clearTimeout(grace);
      await Promise.all([registry.close(), store.close()]);
      // The last spans, but never a hang: a collector that does not answer gets a second.
      if (tracing) await Promise.race([tracing.flush().catch(() => undefined), delay(1000)]);
    },
  };
}
