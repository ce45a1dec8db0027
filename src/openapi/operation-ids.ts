import { createHash } from 'node:crypto';

/** What OpenAI accepts as a function name; Open WebUI hands each `operationId` to the LLM as one. */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const MAX_LENGTH = 64;

/**
 * An `operationId` for each exposed tool name. A name that is a valid function name is its own id,
 * whatever else is listed. Any other name (MCP names may hold dots) has each other character
 * replaced by `_`, and gets `_` and 8 hex digits of its hash when it is over 64 characters or its
 * mapped form is taken: ids never collide, and the same list always gets the same ids.
 */
export function operationIds(names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  const claim = (name: string, id: string) => {
    ids.set(name, id);
    taken.add(id);
  };
  for (const name of names) if (FUNCTION_NAME.test(name)) claim(name, name);
  for (const name of names) {
    if (ids.has(name)) continue;
    const mapped = name.replace(/[^A-Za-z0-9_-]/g, '_');
    let id = mapped.length <= MAX_LENGTH ? mapped : hashed(mapped, name);
    // A hashed id can be taken too (by a tool named like one): hash again, with a counter.
    for (let round = 1; taken.has(id); round += 1) id = hashed(mapped, round === 1 ? name : `${name}\n${round}`);
    claim(name, id);
  }
  return ids;
}

function hashed(mapped: string, seed: string): string {
  const hash = createHash('sha256').update(seed).digest('hex').slice(0, 8);
  return `${mapped.slice(0, MAX_LENGTH - hash.length - 1)}_${hash}`;
}
