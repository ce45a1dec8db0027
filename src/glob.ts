/** Shell-style glob (`*`, `?`) to an anchored RegExp; everything else matches literally. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** A predicate matching any of the patterns. */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const regexps = patterns.map(globToRegExp);
  return (name) => regexps.some((re) => re.test(name));
}
