import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { serializeMessage, type JSONRPCMessage, type Transport } from '@modelcontextprotocol/client';
import spawn from 'cross-spawn';
import { jsonRpcMessage } from './jsonrpc-reader.js';
import { MessageReader, type MessageLimits } from './message-reader.js';

export interface StdioChild {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Named in the log line for a message over the limit. */
  upstream: string;
}

const NEWLINE = 0x0a;

/** How long `close()` waits for the child after closing its stdin, and again after SIGTERM. */
const CLOSE_WAIT_MS = 2000;

/**
 * The MCP stdio transport (newline-delimited JSON-RPC over a child's stdin and stdout), as the
 * SDK's `StdioClientTransport` does it, with two differences:
 * - the messages sent in one turn of the event loop reach the child in one write. Under load many
 *   calls start per turn, and a pipe write per message (each waking the child) cost 8 % of the
 *   shim's CPU on the stdio path;
 * - lines are read in time linear in their length, and a line of any length is read with bounded
 *   memory (see message-reader.ts): the SDK's reader re-joins its whole buffer on every chunk and
 *   refuses a line over 10 MiB, and one large answer then cost the connection and every call on it.
 *   Here a message over `maxMessageBytes` fails only the call it answers.
 */
export class BatchingStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  /** The child's stderr, readable before `start()` so that no early line is lost. */
  readonly stderr = new PassThrough();
  private child: ChildProcess | undefined;
  private readonly line: MessageReader;
  private corked = false;

  constructor(
    private readonly params: StdioChild,
    private readonly limits: MessageLimits,
  ) {
    this.line = new MessageReader(limits);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('BatchingStdioTransport already started');
    const { command, args, env, cwd } = this.params;
    const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
    this.child = child;
    child.stderr?.pipe(this.stderr);
    child.stdout?.on('data', (chunk: Buffer) => this.received(chunk));
    child.stdout?.on('error', (error) => this.onerror?.(error));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    child.on('close', () => {
      this.child = undefined;
      this.onclose?.();
    });
    return new Promise((resolve, reject) => {
      child.on('spawn', () => resolve());
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin) return Promise.reject(new Error('Not connected'));
    // Corked until the loop's check phase: the calls read from every socket in this turn go out together.
    if (!this.corked) {
      this.corked = true;
      stdin.cork();
      setImmediate(() => {
        this.corked = false;
        stdin.uncork();
      });
    }
    if (stdin.write(serializeMessage(message))) return Promise.resolve();
    return new Promise((resolve) => stdin.once('drain', resolve));
  }

  /** Closes the child's stdin (the MCP way to ask it to exit), then signals it if it lingers. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    this.line.finish();
    if (!child) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const waited = () => Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
    child.stdin?.end();
    await waited();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await waited();
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private received(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.line.push(chunk, start, newline);
      start = newline + 1;
      this.lineEnded();
    }
    this.line.push(chunk, start);
  }

  private lineEnded(): void {
    if (this.line.bytes === 0) return;
    let message: JSONRPCMessage | undefined;
    try {
      message = jsonRpcMessage(this.line.finish(), this.limits.maxMessageBytes, this.params.upstream);
    } catch (error) {
      // A line that is not JSON-RPC is reported and skipped, as the SDK's transport does.
      this.onerror?.(error as Error);
      return;
    }
    if (message) this.onmessage?.(message);
  }
}
