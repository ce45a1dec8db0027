import { DEFAULT_MAX_RESULT_BYTES, type ServerConfig } from '../config/types.js';
import { JsonCutter, type CutScope } from './json-cutter.js';

/** How large one message from an upstream may be, and how much of it an answer can use. */
export interface MessageLimits {
  /** A message over this fails the call it answers (`maxMessageBytes`). */
  maxMessageBytes: number;
  /** The longest answer (`maxResultBytes`): the most of any string, and about half of what is kept. */
  maxResultBytes: number;
}

/**
 * 256 MiB: ample for real results (a 100 MB query result fits twice over) and half of the longest
 * string V8 can hold, so that even a path that must decode a whole message (a REST body) can.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** The limits a server entry sets (`maxMessageBytes`, `maxResultBytes`), with their defaults. */
export function messageLimits(config: ServerConfig): MessageLimits {
  return { maxMessageBytes: config.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, maxResultBytes: config.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES };
}

/** What one message turned out to be. */
export type ReadMessage =
  /** JSON text, whole, or cut (`cutFrom` is then the message's size in bytes). */
  | { kind: 'json'; json: string; cutFrom?: number }
  /** Over `maxMessageBytes`: nothing of it is kept but its top-level `id`. */
  | { kind: 'too-large'; bytes: number; id?: string | number; hasMethod: boolean };

/**
 * One message's bytes, as they arrive (a stdio line, an SSE event's data, an HTTP body), read in
 * time linear in its size. A message up to what an answer can use is kept as it is; a larger one
 * goes through a `JsonCutter`, so memory stays bounded by the limits, not by the message.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private cutter: JsonCutter | undefined;
  /** Above this, a message is cut as it is read rather than kept whole. */
  private readonly keepWhole: number;

  constructor(
    private readonly limits: MessageLimits,
    /** JSON-RPC messages are cut only in a tool result's content (see json-cutter.ts). */
    private readonly scope: CutScope = 'tool-result',
  ) {
    // Room for the text and its structured copy (servers on the Python SDK send both), and the envelope.
    this.keepWhole = Math.min(2 * limits.maxResultBytes + 64 * 1024, limits.maxMessageBytes);
  }

  /** Bytes of the message so far. */
  get bytes(): number {
    return this.size;
  }

  push(buf: Buffer, start = 0, end = buf.length): void {
    if (end <= start) return;
    this.size += end - start;
    if (this.cutter) {
      this.cutter.write(buf, start, end);
    } else {
      this.chunks.push(buf.subarray(start, end));
      if (this.size <= this.keepWhole) return;
      this.cutter = new JsonCutter(this.limits.maxResultBytes, this.keepWhole, this.scope);
      for (const chunk of this.chunks) this.cutter.write(chunk);
      this.chunks = [];
    }
    if (this.size > this.limits.maxMessageBytes) this.cutter.discard();
  }

  /** The message read so far; the reader is then empty, ready for the next one. */
  finish(): ReadMessage {
    const { size, cutter, chunks } = this;
    this.size = 0;
    this.cutter = undefined;
    this.chunks = [];
    if (!cutter) return { kind: 'json', json: (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8') };
    const cut = cutter.end();
    if (size > this.limits.maxMessageBytes) return { kind: 'too-large', bytes: size, id: cut.id, hasMethod: cut.hasMethod };
    return cut.cut ? { kind: 'json', json: cut.json, cutFrom: size } : { kind: 'json', json: cut.json };
  }
}

/**
 * A whole body already read (a REST answer, refused by axios past `maxMessageBytes`), cut as a
 * message would be, anywhere in it: the whole body is the tool's result.
 */
export function cutBody(body: Buffer, limits: MessageLimits): { json: string; cutFrom?: number } {
  const reader = new MessageReader({ ...limits, maxMessageBytes: Infinity }, 'anywhere');
  reader.push(body);
  const read = reader.finish();
  return read.kind === 'json' ? read : { json: '' };
}
