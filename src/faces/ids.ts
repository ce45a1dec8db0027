import { randomBytes } from 'node:crypto';

const ID_BYTES = 12;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/**
 * An id as OpenAI shapes them (`chatcmpl-…`, `resp_…`): 12 random bytes as base64url, cut from a
 * pool filled 4 KiB at a time (one `randomBytes` call per request showed in the profile).
 */
export function randomId(prefix: string): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return prefix + idPool.toString('base64url', idOffset - ID_BYTES, idOffset);
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
