import { ConfigError } from './config/errors.js';
import { DEFAULT_HOST, DEFAULT_PORT, type ShimConfig } from './config/types.js';

/** Where the host or the port of the bind address came from, for the start-up log. */
export type BindSource = 'flag' | 'config' | 'env' | 'default';

export interface BindAddress {
  host: string;
  port: number;
  from: { host: BindSource; port: BindSource };
}

export interface BindFlags {
  host?: string;
  port?: number;
}

/**
 * One order, for host and port alike: command-line flag, then the config file's `server.host` /
 * `server.port`, then the `HOST` / `PORT` environment, then 127.0.0.1:8080. The config file beats
 * the environment so that an image's `ENV HOST=0.0.0.0 PORT=8080` stays a default that a mounted
 * config overrides; a config that wants the environment to win says `port: ${PORT:-8080}`.
 */
export function resolveBind(flags: BindFlags, config: ShimConfig, env: NodeJS.ProcessEnv = process.env): BindAddress {
  const host = pick<string>(flags.host, config.server.host, () => env.HOST || undefined, DEFAULT_HOST);
  // Read only when it decides: a stray PORT does not fail a start whose port is set elsewhere.
  const port = pick<number>(flags.port, config.server.port, () => (env.PORT ? parsePortNumber(env.PORT, 'PORT') : undefined), DEFAULT_PORT);
  return { host: host.value, port: port.value, from: { host: host.from, port: port.from } };
}

function pick<T>(flag: T | undefined, config: T | undefined, readEnv: () => T | undefined, fallback: T): { value: T; from: BindSource } {
  if (flag !== undefined) return { value: flag, from: 'flag' };
  if (config !== undefined) return { value: config, from: 'config' };
  const env = readEnv();
  if (env !== undefined) return { value: env, from: 'env' };
  return { value: fallback, from: 'default' };
}

export function parsePortNumber(value: string, name: string): number {
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`${name} must be a port number (0-65535), got "${value}"`);
  }
  return port;
}

/** The address to call a server bound to `url` from the same host: a wildcard bind is reached on loopback. */
export function callableUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
}
