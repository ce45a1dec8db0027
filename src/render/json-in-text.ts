/**
 * JSON inside a tool's text: the whole text, or a JSON block after a text preamble (the
 * PostgreSQL server's "Retrieved 2 rows:\n[…]" form). Texts over `maxChars` are not parsed, so
 * a huge result costs no more than today (it stays text, cut at maxResultBytes).
 */
export interface FoundJson {
  /** The text before the JSON, trimmed ('' when the whole text is JSON). */
  preamble: string;
  value: unknown;
}

export function findJson(text: string, maxChars: number): FoundJson | undefined {
  if (text.length > maxChars) return undefined;
  const trimmed = text.trim();
  const whole = parse(trimmed);
  if (whole !== undefined) return { preamble: '', value: whole.value };
  // The first line that opens an array or object, and everything after it.
  const start = /^[ \t]*[[{]/m.exec(text);
  if (!start || start.index === 0) return undefined;
  const after = parse(text.slice(start.index).trim());
  return after === undefined ? undefined : { preamble: text.slice(0, start.index).trim(), value: after.value };
}

/** JSON.parse for texts that look like an object or array; undefined for anything else. */
function parse(text: string): { value: unknown } | undefined {
  const first = text[0];
  if (first !== '[' && first !== '{') return undefined;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
