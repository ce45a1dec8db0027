import { spawn, type ChildProcess } from 'node:child_process';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote to stderr (its JSON log) so far. */
  logs(): string;
}

/** Starts `node <cli> serve …` and resolves with its URL once its "listening" log line appears. */
export function serveProcess(cli: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { cwd, env: { ...process.env, LOG_LEVEL: 'info', ...env } });
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr.on('data', (data: Buffer) => {
      log += data.toString();
      const match = /"message":"listening".*?"url":"([^"]+)"/.exec(log) ?? /"url":"([^"]+)".*?"message":"listening"/.exec(log);
      if (match) resolve({ url: match[1]!, child, logs: () => log });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${log}`)));
  });
}

/** Resolves with the exit code once the process has exited. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}
