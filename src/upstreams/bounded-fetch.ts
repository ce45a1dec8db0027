import type { FetchLike, JSONRPCMessage } from '@modelcontextprotocol/client';
import { jsonRpcMessage } from './jsonrpc-reader.js';
import { MessageReader, type MessageLimits } from './message-reader.js';

const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const NEWLINE_BYTES = Buffer.from('\n');
const DATA_FIELD = Buffer.from('data:');

/**
 * `fetch` for the SDK's streamable HTTP and SSE transports, with every MCP message in a response
 * (a JSON body, or each event of an event stream) read as message-reader.ts reads stdio lines:
 * in linear time, cut to what an answer can use, and one over `maxMessageBytes` replaced by an
 * error answer to its request, so that it fails that call alone. The SDK reads bodies whole and
 * has no limit of its own.
 */
export function boundedFetch(limits: MessageLimits, upstream: string): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    const body = response.body;
    if (!body) return response;
    const type = response.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream')) return withBody(response, body.pipeThrough(boundedEvents(limits, upstream)));
    if (!type.includes('application/json')) return response;
    const length = Number(response.headers.get('content-length') ?? NaN);
    // A body that is declared small is what it says: nothing to cut.
    if (length <= Math.min(limits.maxResultBytes, limits.maxMessageBytes)) return response;
    return withBody(response, await boundedJson(body, limits, upstream));
  };
}

function withBody(response: Response, body: ConstructorParameters<typeof Response>[0]): Response {
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

async function boundedJson(body: ReadableStream<Uint8Array>, limits: MessageLimits, upstream: string): Promise<string> {
  const reader = new MessageReader(limits);
  for await (const chunk of body) reader.push(asBuffer(chunk));
  return rewritten(reader, limits, upstream) ?? '';
}

/** An event stream with each event's data bounded; other fields pass as they are. */
function boundedEvents(limits: MessageLimits, upstream: string): TransformStream<Uint8Array, Uint8Array> {
  const data = new MessageReader(limits);
  let dataLines = 0;
  /** The event's other lines (`event:`, `id:`, comments), kept as they came. */
  let fields: Buffer[] = [];
  /** What the current line is; `start` while its first bytes do not tell yet. */
  let line: 'start' | 'data' | 'field' = 'start';
  let head: Buffer[] = [];
  let headBytes = 0;

  const decide = () => {
    const start = Buffer.concat(head, headBytes);
    head = [];
    headBytes = 0;
    if (!start.subarray(0, DATA_FIELD.length).equals(DATA_FIELD)) {
      line = 'field';
      fields.push(start);
      return;
    }
    line = 'data';
    // Data lines of one event join with a newline (whitespace, to JSON).
    if (dataLines > 0) data.push(NEWLINE_BYTES);
    dataLines += 1;
    data.push(start, start[DATA_FIELD.length] === SPACE ? DATA_FIELD.length + 1 : DATA_FIELD.length);
  };

  const segment = (buf: Buffer, start: number, end: number) => {
    if (end <= start) return;
    if (line === 'data') {
      // However long the line, its bytes go straight to the reader.
      data.push(buf, start, end);
    } else if (line === 'field') {
      fields.push(Buffer.from(buf.subarray(start, end)));
    } else {
      head.push(Buffer.from(buf.subarray(start, end)));
      headBytes += end - start;
      if (headBytes >= DATA_FIELD.length) decide();
    }
  };

  const lineEnded = (controller: TransformStreamDefaultController<Uint8Array>) => {
    const blank = line === 'start' && headBytes === 0;
    if (line === 'start' && !blank) decide();
    if (line === 'field') fields.push(NEWLINE_BYTES);
    line = 'start';
    if (blank) eventEnded(controller);
  };

  const eventEnded = (controller: TransformStreamDefaultController<Uint8Array>) => {
    const out = fields;
    fields = [];
    if (dataLines > 0) {
      dataLines = 0;
      const json = rewritten(data, limits, upstream);
      if (json !== undefined) out.push(Buffer.from(`data: ${json}\n`));
    }
    out.push(NEWLINE_BYTES);
    controller.enqueue(Buffer.concat(out));
  };

  return new TransformStream({
    transform(chunk, controller) {
      const buf = asBuffer(chunk);
      let start = 0;
      for (;;) {
        const newline = buf.indexOf(NEWLINE, start);
        if (newline === -1) {
          segment(buf, start, buf.length);
          return;
        }
        // CRLF line ends: the CR is not part of the line.
        segment(buf, start, newline > start && buf[newline - 1] === CR ? newline - 1 : newline);
        lineEnded(controller);
        start = newline + 1;
      }
    },
  });
}

/**
 * The message text to pass on: unchanged when it was read whole, re-written when it was cut
 * (marked so) or over the limit (an error answer to its request); undefined to drop it.
 */
function rewritten(reader: MessageReader, limits: MessageLimits, upstream: string): string | undefined {
  const read = reader.finish();
  if (read.kind === 'json' && read.cutFrom === undefined) return read.json;
  let message: JSONRPCMessage | undefined;
  try {
    message = jsonRpcMessage(read, limits.maxMessageBytes, upstream);
  } catch {
    // Not one JSON-RPC message (a batch, or not JSON): passed on for the SDK to judge.
    return read.kind === 'json' ? read.json : undefined;
  }
  return message === undefined ? undefined : JSON.stringify(message);
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
