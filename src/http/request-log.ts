import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { log } from '../log.js';
import type { ShimMetrics } from '../metrics.js';
import type { ErrorContext } from '../openai/errors.js';
import type { RegisteredTool } from '../registry.js';
import { isRetrySafe } from '../retry-safety.js';

/** Records which tool and upstream a request is for: for its log line and its error status. */
/** How errors of this request are answered: retry-safe tools keep 5xx (see openai/errors.ts). */
export function errorContext(res: Response): ErrorContext {
  return { retrySafe: res.locals.retrySafe === true };
}

export function noteCall(res: Response, tool: RegisteredTool): void {
  res.locals.tool = tool.name;
  res.locals.upstream = tool.upstream.name;
  res.locals.retrySafe = isRetrySafe(tool.definition);
}

// Probed every few seconds by Docker, Kubernetes and Prometheus: at info they would drown the calls.
const PROBES = new Set(['/health', '/ready', '/metrics']);

/** The route template that served the request (never the path, which the caller chooses); none for the catch-all. */
export function routeTemplate(req: Request): string | undefined {
  const template = (req.route as { path?: unknown } | undefined)?.path;
  return typeof template === 'string' && template !== '*rest' ? template : undefined;
}

/** The status the caller saw: a stream's failure event counts, and 499 when it went away first. */
export function finalStatus(res: Response): number {
  return res.writableFinished ? ((res.locals.streamErrorStatus as number | undefined) ?? res.statusCode) : 499;
}

/** One log line per request: path, tool, upstream, status, milliseconds. Successful probes log at debug. */
export function requestLog(metrics?: ShimMetrics): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('close', () => {
      const { tool, upstream, error } = res.locals;
      const status = finalStatus(res);
      metrics?.httpRequest(routeTemplate(req) ?? 'unmatched', status);
      log.log(PROBES.has(req.path) && status < 400 ? 'debug' : 'info', 'request', {
        method: req.method,
        path: req.path,
        tool,
        upstream,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(error ? { error } : {}),
      });
    });
    next();
  };
}
