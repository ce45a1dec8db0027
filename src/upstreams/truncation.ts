import type { CallToolResult } from './types.js';

/**
 * Where a result says it was cut while it was read (see message-reader.ts): `_meta` is the
 * protocol's place for what is about a result rather than part of it, and a program reading the
 * raw result (`POST /tools/{name}`) sees it there too.
 */
const TRUNCATED_META = 'mcp-model-shim/truncated';

/** Marks `result` as a cut of a message of `bytes` bytes. */
export function markTruncated(result: CallToolResult, bytes: number): void {
  result._meta = { ...result._meta, [TRUNCATED_META]: { messageBytes: bytes } };
}

/** The size of the message `result` was cut from, if it was cut while read. */
export function truncatedFrom(result: CallToolResult): number | undefined {
  const note = result._meta?.[TRUNCATED_META] as { messageBytes?: unknown } | undefined;
  return typeof note?.messageBytes === 'number' ? note.messageBytes : undefined;
}
