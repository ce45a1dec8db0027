import { context, diag, DiagLogLevel, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Request, RequestHandler, Response } from 'express';
import type { CallWatch, ObservedTool } from '../call-outcome.js';
import { finalStatus, routeTemplate } from '../http/request-log.js';
import { log } from '../log.js';
import { redact } from '../secrets.js';
import { VERSION } from '../version.js';
import type { Tracing, TracingOptions } from './index.js';

// Longest argument or result text recorded when content recording is on.
const MAX_CONTENT_CHARS = 8192;

let started: Tracing | undefined;

/**
 * The OpenTelemetry SDK with the OTLP/HTTP (protobuf) exporter, which reads the standard
 * `OTEL_EXPORTER_OTLP_*` variables itself. One provider per process: it is registered globally,
 * for the context manager and the W3C propagator.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (started) return started;
  // An unreachable collector must be visible, but never fail a call: the SDK reports it here.
  const warn = (...parts: unknown[]) => log.warn('tracing: cannot export spans', { problem: parts.map(describe).join(' ') });
  diag.setLogger({ error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  const resource = resourceFromAttributes({ 'service.name': 'mcp-model-shim', 'service.version': VERSION }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  provider.register();
  const tracer = provider.getTracer('mcp-model-shim', VERSION);

  started = {
    serverSpans(): RequestHandler {
      return (req, res, next) => {
        const parent = propagation.extract(ROOT_CONTEXT, req.headers);
        const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.path } }, parent);
        const active = trace.setSpan(parent, span);
        // Listeners added later (the body parser's) run in this context too, so the tool call's
        // span finds its parent after the body has been read.
        context.bind(active, req);
        context.bind(active, res);
        res.on('close', () => endServerSpan(span, req, res));
        context.with(active, next);
      };
    },

    started(tool: ObservedTool, args: Record<string, unknown>): CallWatch {
      const { upstream } = tool;
      const span = tracer.startSpan(`tools/call ${tool.definition.name}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': tool.definition.name,
          'network.transport': upstream.kind === 'stdio' ? 'pipe' : 'tcp',
          'mcp_model_shim.model': tool.name,
          'mcp_model_shim.upstream': upstream.name,
          ...(upstream.sessionId ? { 'mcp.session.id': upstream.sessionId } : {}),
          ...(options.recordContent ? { 'gen_ai.tool.call.arguments': content(args) } : {}),
        },
      });
      const traceContext: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), traceContext);
      return {
        traceContext,
        ended(outcome, result) {
          if (outcome !== 'success') {
            span.setAttribute('error.type', outcome);
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
          if (options.recordContent && result) span.setAttribute('gen_ai.tool.call.result', content(result));
          span.end();
        },
      };
    },

    rejected: () => undefined,

    flush: () => provider.forceFlush(),
  };
  return started;
}

function endServerSpan(span: Span, req: Request, res: Response): void {
  const template = routeTemplate(req);
  const status = finalStatus(res);
  if (template) {
    span.updateName(`${req.method} ${template}`);
    span.setAttribute('http.route', template);
  }
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The SDK hands over errors as objects or as their JSON: the message is what an operator needs. */
function describe(part: unknown): string {
  if (typeof part !== 'string') return (part as Error | undefined)?.message ?? String(part);
  try {
    return (JSON.parse(part) as { message?: string }).message ?? part;
  } catch {
    return part;
  }
}

function content(value: unknown): string {
  const text = redact(JSON.stringify(value) ?? '');
  return text.length > MAX_CONTENT_CHARS ? `${text.slice(0, MAX_CONTENT_CHARS)}…` : text;
}
