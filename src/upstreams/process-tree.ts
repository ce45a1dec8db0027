import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Every descendant of `root`, read from /proc (Linux; elsewhere none are found). A server started
 * through `npx` or a shell runs as a grandchild: ending the direct child alone would orphan it.
 */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after "(comm)": state, ppid, …; comm itself may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Whether a process with this pid runs (signal 0 checks without sending anything). A zombie does
 * not: it has exited, and only waits for a parent (often an init that never reaps) to collect it.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    // Gone since the signal, or no /proc at all (not Linux: signal 0 is all there is).
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !existsSync('/proc/self');
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Resolves once `pid` has exited, or after `maxMs`. */
export async function exited(pid: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** SIGTERM to every pid still alive, then SIGKILL to those left after `graceMs`. */
export async function endProcesses(pids: number[], graceMs = 2000): Promise<void> {
  const living = pids.filter(alive);
  for (const pid of living) signal(pid, 'SIGTERM');
  await Promise.all(living.map((pid) => exited(pid, graceMs)));
  for (const pid of living.filter(alive)) signal(pid, 'SIGKILL');
}
