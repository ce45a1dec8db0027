/** Socket error codes that prove a request never reached the server, so it cannot have run. */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The socket error code behind a failed request: axios puts it on the error, fetch (undici) on
 * its `cause`. Codes are safe to show; messages may carry the URL and its credentials.
 */
export function socketErrorCode(err: unknown): string | undefined {
  const { code, cause } = (err ?? {}) as { code?: unknown; cause?: { code?: unknown } };
  if (typeof code === 'string') return code;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}
