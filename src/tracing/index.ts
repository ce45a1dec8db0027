import type { RequestHandler } from 'express';
import type { CallObserver } from '../call-outcome.js';

/** Traces: a server span per request and a client span per tool call (see otel.ts). */
export interface Tracing extends CallObserver {
  /** First middleware: opens the request's server span, parented by an incoming `traceparent`. */
  serverSpans(): RequestHandler;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
}

export interface TracingOptions {
  /** Record tool arguments and results in spans (`server.traceContent`); off by default. */
  recordContent: boolean;
}

/**
 * Tracing is on when an OTLP endpoint is configured the standard way (`OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless `OTEL_SDK_DISABLED=true` or
 * `OTEL_TRACES_EXPORTER=none`. The SDK is loaded only then: no start-up cost when off.
 */
export async function loadTracing(options: TracingOptions, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!tracingWanted(env)) return undefined;
  const { startTracing } = await import('./otel.js');
  return startTracing(options);
}

export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  return env.OTEL_TRACES_EXPORTER?.toLowerCase() !== 'none';
}
