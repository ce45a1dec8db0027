import type { ShimConfig } from './types.js';

// RFC 9110 §5.1 and §5.5: a name is a token; a value is visible ASCII, spaces, tabs and obs-text
// (bytes 0x80–0xFF, which Node and undici send as Latin-1). Both clients refuse anything else at
// send time, so a bad value would fail every call as a dropped connection; here it stops start-up
// (or a reload), naming the key.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NOT_IN_VALUE = /[^\t\x20-\x7e\x80-\xff]/u;

/**
 * The first header the config would send, or expects a client to send (an API key), that HTTP
 * cannot carry, described for the person who wrote it; none when all can be sent. Values may be
 * secrets: only the offending character and its position are named, never the value.
 */
export function headerFieldProblem(config: ShimConfig): string | undefined {
  for (const [server, entry] of Object.entries(config.mcpServers)) {
    const headers = 'headers' in entry ? entry.headers : undefined;
    for (const [name, value] of Object.entries(headers ?? {})) {
      const where = `mcpServers.${server}.headers`;
      if (!TOKEN.test(name)) return `${where}: "${name}" is not a header name (letters, digits and !#$%&'*+-.^_\`|~ only)`;
      const problem = valueProblem(value);
      if (problem) return `${where}.${name}: ${problem}`;
    }
  }
  const apiKey = config.llm?.apiKey;
  const problem = apiKey === undefined ? undefined : valueProblem(apiKey);
  if (problem) return `llm.apiKey (sent as "Authorization: Bearer …"): ${problem}`;
  // A key no client can send would answer every request with 401, as if it were wrong.
  for (const [i, key] of (config.server.apiKeys ?? []).entries()) {
    const keyProblem = valueProblem(typeof key === 'string' ? key : key.key);
    if (keyProblem) return `server.apiKeys[${i}]${typeof key === 'string' ? '' : '.key'} (sent by clients as "Authorization: Bearer …"): ${keyProblem}`;
  }
  return undefined;
}

function valueProblem(value: string): string | undefined {
  const found = NOT_IN_VALUE.exec(value);
  if (!found) return undefined;
  const character = found[0];
  const codePoint = `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const shown = /\p{L}|\p{P}|\p{S}/u.test(character) ? `"${character}" (${codePoint})` : codePoint;
  return `character ${found.index + 1} is ${shown}, which an HTTP header cannot carry (Latin-1 text only, no line breaks or control characters); check the value, or the variable it comes from`;
}
