import type { Readable } from 'node:stream';
import { SdkError, SdkErrorCode, type Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import type { StdioServerConfig } from '../config/types.js';
import { log } from '../log.js';
import { eachLine } from './stderr-lines.js';
import { McpUpstream, type Negotiation } from './mcp-upstream.js';
import { messageLimits } from './message-reader.js';
import { descendants, endProcesses, exited } from './process-tree.js';
import { BatchingStdioTransport } from './stdio-transport.js';

/**
 * How long a child has to answer the protocol probe before it is taken for a server of the older
 * revisions, which may ignore a request before `initialize`. Short of the set-up time, so that such
 * a server (or one stuck) costs 10 s more at start, not 30; a server still starting after it (a
 * first `npx` download) gets `initialize` next on the same pipe, which a server of both eras answers.
 */
const PROBE_TIMEOUT_MS = 10_000;

/** How long a child gets to exit once its stdin is closed, then after SIGTERM before SIGKILL. */
const STDIN_EXIT_MS = 400;
const KILL_AFTER_MS = 400;

/** An MCP server run as one long-lived child process, restarted with back-off when it exits. */
export class StdioUpstream extends McpUpstream {
  readonly kind = 'stdio';
  /** The latest child's transport: its pid is known from the spawn on, before the MCP handshake. */
  private transport: BatchingStdioTransport | undefined;
  /** Set once the server has shown it ends on a request before `initialize` (see `open`). */
  private legacyOnly = false;

  constructor(
    name: string,
    private readonly config: StdioServerConfig,
  ) {
    super(name, 'the server process exited', config.maxConcurrentCalls);
  }

  /**
   * Starts the child and asks it which revision it speaks (`server/discover`) on its own pipe: a
   * server of the older revisions answers "method not found", or nothing (the SDK then takes the
   * older handshake after PROBE_TIMEOUT_MS), and is spoken to with `initialize` on the same child.
   * The SDK's own stdio transport asks a second, short-lived child instead, which would double the
   * cost of every start; only servers that exit on a request before `initialize` need that, and
   * such a server is started once more, and from then on spoken to in the older revision only.
   */
  protected async open(): Promise<Client> {
    if (this.legacyOnly) return this.start({ mode: 'legacy' });
    try {
      return await this.start({ mode: 'auto', probe: { timeoutMs: PROBE_TIMEOUT_MS } });
    } catch (err) {
      // Over stdio the probe fails only when the child went away while it was asked.
      if (this.shutDown || !(err instanceof SdkError && err.code === SdkErrorCode.EraNegotiationFailed)) throw err;
      log.info('upstream process ended on the protocol probe; starting it again for the older handshake', { upstream: this.name });
      const client = await this.start({ mode: 'legacy' });
      this.legacyOnly = true;
      return client;
    }
  }

  private async start(negotiation: Negotiation): Promise<Client> {
    const { command, args = [], env = {}, cwd } = this.config;
    // The child sees only the SDK's safe defaults (PATH, HOME, …) plus what the config names.
    const transport = new BatchingStdioTransport({ command, args, env: { ...getDefaultEnvironment(), ...env }, cwd, upstream: this.name }, messageLimits(this.config));
    logLines(transport.stderr, this.name);
    this.transport = transport;
    const client = await this.connectOver(transport, negotiation);
    log.debug('upstream process started', { upstream: this.name, pid: transport.pid });
    return client;
  }

  /** Ends the child and everything it started, so no process outlives the shim. */
  override async close(): Promise<void> {
    const root = this.transport?.pid ?? undefined;
    const tree = root === undefined ? [] : descendants(root);
    // A child still in its handshake has nothing to finish: it is stopped now, not given the
    // transport's 2 s after its stdin closes (Docker's stop must not wait for a server stuck in
    // start-up).
    const stopping = root !== undefined && this.handshaking ? endProcesses([root]) : undefined;
    const closing = super.close();
    if (root !== undefined) {
      // Closing stdin asks the child to exit (the MCP way). One still busy with a call is past the
      // shutdown grace already: SIGTERM follows shortly, not after the transport's 2 s, so a
      // shutdown takes at most shutdownGraceSeconds + 1 s.
      await exited(root, STDIN_EXIT_MS);
      await endProcesses([root], KILL_AFTER_MS);
    }
    // The child's own children can hold its pipes open, and the transport waits for the pipes.
    await endProcesses(tree, KILL_AFTER_MS);
    await closing;
    await stopping;
  }

  protected openFailureReason(err: unknown): string {
    return `could not start "${this.config.command}": ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Child stderr goes to the log at debug level, one entry per line (it may hold anything). */
function logLines(stream: Readable, upstream: string): void {
  eachLine(stream, (line) => log.debug('upstream stderr', { upstream, line }));
}
