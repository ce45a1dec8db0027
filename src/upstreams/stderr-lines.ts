import type { Readable } from 'node:stream';

/** The most of one stderr line that is kept: a log entry, not a place for a server's data. */
export const MAX_STDERR_LINE_BYTES = 8192;

/**
 * Calls `onLine` with each line of `stream`, each cut to `maxLineBytes` (the cut is said at its
 * end). Written here because `readline` keeps a line whole until its newline: a server that writes
 * a huge line to stderr, or never ends one, would hold it all in the shim's memory.
 */
export function eachLine(stream: Readable, onLine: (line: string) => void, maxLineBytes = MAX_STDERR_LINE_BYTES): void {
  let kept: Buffer[] = [];
  let keptBytes = 0;
  let cut = 0;
  const emit = () => {
    let line = Buffer.concat(kept, keptBytes).toString('utf8');
    if (cut === 0 && line.endsWith('\r')) line = line.slice(0, -1);
    onLine(cut > 0 ? `${line}… (${cut} more bytes not logged)` : line);
    kept = [];
    keptBytes = 0;
    cut = 0;
  };
  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(10, start);
      const end = newline < 0 ? chunk.length : newline;
      const take = Math.min(maxLineBytes - keptBytes, end - start);
      // A copy: a slice would keep its whole chunk alive.
      if (take > 0) kept.push(Buffer.from(chunk.subarray(start, start + take)));
      keptBytes += take;
      cut += end - start - take;
      if (newline < 0) return;
      emit();
      start = newline + 1;
    }
  });
  stream.on('end', () => {
    if (keptBytes > 0 || cut > 0) emit();
  });
}
