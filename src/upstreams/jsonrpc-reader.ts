import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/core';
import { log } from '../log.js';
import type { ReadMessage } from './message-reader.js';
import { markTruncated } from './truncation.js';
import type { CallToolResult } from './types.js';

/**
 * JSON-RPC error code of the answer the shim puts in place of a message over `maxMessageBytes`,
 * so that exactly the call it answered fails (mcp-client.ts turns it into ResultTooLargeError).
 * In JSON-RPC's range for implementation-defined errors; `data.limit` tells it from a server's own.
 */
export const MESSAGE_TOO_LARGE = -32099;

export interface TooLargeData {
  bytes: number;
  limit: number;
}

/**
 * The JSON-RPC message a read message stands for: parsed (a cut result marked as cut), or, for
 * one over the limit that answers a request, an error answer to that request. A message that is
 * not JSON-RPC throws, as the SDK's own reader does; one over the limit that answers nothing
 * (a notification, a request from the server) is dropped with a warning.
 */
export function jsonRpcMessage(read: ReadMessage, limit: number, upstream: string): JSONRPCMessage | undefined {
  if (read.kind === 'json') {
    const message = JSONRPCMessageSchema.parse(JSON.parse(read.json));
    const result = (message as { result?: unknown }).result;
    if (read.cutFrom !== undefined && result !== null && typeof result === 'object') markTruncated(result as CallToolResult, read.cutFrom);
    return message;
  }
  if (read.id === undefined || read.hasMethod) {
    log.warn('upstream message over maxMessageBytes dropped', { upstream, bytes: read.bytes, limit });
    return undefined;
  }
  const data: TooLargeData = { bytes: read.bytes, limit };
  return { jsonrpc: '2.0', id: read.id, error: { code: MESSAGE_TOO_LARGE, message: `message of ${read.bytes} bytes over maxMessageBytes (${limit})`, data } };
}
