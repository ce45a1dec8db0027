import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** A span as OTLP/JSON has it (MessageToDict of the protobuf): ids base64, attributes typed. */
export interface SinkSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  attributes: Record<string, string | number | boolean>;
  status?: { code?: string };
}

export interface OtlpSink {
  endpoint: string;
  spans: SinkSpan[];
  /** Everything received, as the JSON lines the sink printed. */
  raw(): string;
  stop(): Promise<void>;
}

/**
 * oteltest's real OTLP/HTTP receiver (tests/e2e/otlp-sink.py), run by the Python of the cached
 * venv that tests/e2e/run.sh names in OTLP_SINK_PYTHON. It prints its port, then each export.
 */
export function startOtlpSink(): Promise<OtlpSink> {
  const python = process.env.OTLP_SINK_PYTHON;
  if (!python) throw new Error('OTLP_SINK_PYTHON is not set: run the e2e suite with `npm run test:e2e`');
  const child = spawn(python, [path.join(__dirname, 'otlp-sink.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const spans: SinkSpan[] = [];
  let raw = '';
  let errors = '';
  child.stderr.on('data', (data: Buffer) => (errors += data.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`otlp-sink exited with ${code}: ${errors}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      raw += `${line}\n`;
      const message = JSON.parse(line) as { port?: number; path?: string; request?: TraceRequest };
      if (message.port) {
        resolve({
          endpoint: `http://127.0.0.1:${message.port}`,
          spans,
          raw: () => raw,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.on('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
      if (message.path === '/v1/traces') spans.push(...flatten(message.request ?? {}));
    });
  });
}

interface TraceRequest {
  resourceSpans?: { scopeSpans?: { spans?: (Omit<SinkSpan, 'attributes'> & { attributes?: { key: string; value: Record<string, unknown> }[] })[] }[] }[];
}

/** Spans with plain attribute values and hex ids, as `traceparent` writes them. */
function flatten(request: TraceRequest): SinkSpan[] {
  const hex = (id: string | undefined) => (id ? Buffer.from(id, 'base64').toString('hex') : undefined);
  return (request.resourceSpans ?? []).flatMap((resource) =>
    (resource.scopeSpans ?? []).flatMap((scope) =>
      (scope.spans ?? []).map((span) => ({
        ...span,
        traceId: hex(span.traceId)!,
        spanId: hex(span.spanId)!,
        parentSpanId: hex(span.parentSpanId),
        attributes: Object.fromEntries(
          // int64 values arrive as strings in OTLP/JSON.
          (span.attributes ?? []).map(({ key, value }) => [key, 'intValue' in value ? Number(value.intValue) : (Object.values(value)[0] as string | boolean)]),
        ),
      })),
    ),
  );
}
