import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** Edits that come in a burst (an editor's save, a ConfigMap swap) settle for this long first. */
const SETTLE_MS = 300;

/**
 * Calls `changed` when the content of `file` changes (`serve --watch`). The directory is watched,
 * not the file: an editor that saves by renaming a new file over the old one, and a Kubernetes
 * ConfigMap update (a `..data` symlink swapped in the directory), both replace the file rather
 * than write to it, and a watch on the file itself would stay on the old one. Events only prompt
 * a read: the content decides, so a touch or an unrelated file in the directory changes nothing.
 */
export function watchConfig(file: string, changed: () => Promise<unknown>): FSWatcher {
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');
  // Read now, not later: an edit made while the first read was pending would pass for the start.
  let last = digest(readFileSync(file, 'utf8'));
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const check = () => {
    running = running.then(async () => {
      const text = await readFile(file, 'utf8').catch(() => undefined);
      // Mid-swap the file may be missing for a moment: the next event brings it back.
      if (text === undefined) return;
      const now = digest(text);
      if (now === last) return;
      last = now;
      await changed().catch(() => undefined);
    });
  };
  const watcher = watch(path.dirname(path.resolve(file)), () => {
    clearTimeout(timer);
    timer = setTimeout(check, SETTLE_MS);
  });
  watcher.on('close', () => clearTimeout(timer));
  return watcher;
}
