import { isDeepStrictEqual } from 'node:util';
import { CallLimiter } from './call-limiter.js';
import { NO_OBSERVER, type CallObserver } from './call-outcome.js';
import {
  DEFAULT_MAX_CONCURRENT_CALLS,
  DEFAULT_MAX_QUEUED_CALLS,
  DEFAULT_MAX_RESULT_BYTES,
  DEFAULT_MAX_TABLE_ROWS,
  type RenderMode,
  type ServerConfig,
  type ShimConfig,
  type ToolPolicy,
} from './config/types.js';
import { globMatcher } from './glob.js';
import { log } from './log.js';
import { closestNames } from './suggest.js';
import { exposedDefinition, policyFor } from './tool-policy.js';
import { createUpstream, timeoutMs } from './upstreams/index.js';
import type { ToolDefinition, Upstream, UpstreamHealth, UpstreamKind } from './upstreams/types.js';
import { validatorOnFirstUse, type ArgumentValidator } from './validator.js';

/** A tool as the shim exposes it. */
export interface RegisteredTool {
  /** The exposed name: prefix + the tool's own name, or `server__tool` when two servers share it. */
  readonly name: string;
  readonly upstream: Upstream;
  readonly definition: ToolDefinition;
  readonly validate: ArgumentValidator | undefined;
  readonly timeoutMs: number;
  /** Longest rendered answer in UTF-8 bytes. */
  readonly maxResultBytes: number;
  /** How answers are rendered (the tool's `tools:` entry, else its server's, else `auto`). */
  readonly render: RenderMode;
  readonly maxTableRows: number;
  /** Shared by every tool of the upstream: bounds its concurrent calls. */
  readonly limiter: CallLimiter;
  /** Pinned and hidden arguments (`tools:` in the config), already removed from `definition`. */
  readonly policy?: ToolPolicy;
  /** Told of each call and its outcome (metrics). */
  readonly observer: CallObserver;
}

export interface UpstreamStatus extends UpstreamHealth {
  kind: UpstreamKind;
  tools: number;
}

interface Source {
  upstream: Upstream;
  /** How the server is reached (see `reachOf`): a reload that changes it replaces the upstream. */
  reach: string;
  allows: (tool: string) => boolean;
  /** `readOnly: true`: only read-only tools, or those named in `tools.include`. */
  readOnlyAllows: (definition: ToolDefinition) => boolean;
  prefix: string;
  timeoutMs: number;
  maxResultBytes: number;
  render: RenderMode;
  maxTableRows: number;
  limiter: CallLimiter;
  tools: Omit<RegisteredTool, 'name'>[];
  /** Every tool the server listed last; undefined until the first list was read. */
  all?: ToolDefinition[];
  /** The definitions `tools` was built from (those exposed). */
  definitions?: ToolDefinition[];
  refreshing: Promise<void>;
  /** The upstream this one replaces (a reload changed how the server is reached): it serves until this one has listed its tools. */
  predecessor?: Source;
}

/** What a reload did to the upstreams, by server name. */
export interface UpstreamChanges {
  added: string[];
  removed: string[];
  replaced: string[];
  kept: string[];
}

/** The tools one caller may see; the others are treated as if they did not exist. */
export interface ToolView {
  get(name: string): RegisteredTool | undefined;
  list(): readonly RegisteredTool[];
  suggest(name: string): string[];
}

/** Every upstream's tools by exposed name, with argument validators compiled once per tool. */
export class ToolRegistry implements ToolView {
  private readonly sources = new Map<string, Source>();
  private byName = new Map<string, RegisteredTool>();
  private listed: RegisteredTool[] = [];
  /** Exposed names that several servers offer, as of the last reindex. */
  private shared = new Set<string>();
  /** Upstreams a reload removed or replaced, finishing their calls in flight before they close. */
  private readonly draining = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private policies?: Record<string, ToolPolicy>,
    private readonly observer: CallObserver = NO_OBSERVER,
  ) {}

  static fromConfig(config: ShimConfig, observer?: CallObserver): ToolRegistry {
    const registry = new ToolRegistry(config.tools, observer);
    for (const [name, server] of enabledServers(config)) registry.sources.set(name, registry.newSource(name, server));
    return registry;
  }

  /**
   * Applies a new config as a diff, in one step for callers: servers reached as before keep their
   * upstream (connections, children), with what they expose updated; new ones connect and their
   * tools appear once listed; a server reached differently gets a new upstream, and the old one
   * serves until the new one has listed its tools; removed ones leave the listing now and close
   * once their calls in flight finish (at most `graceMs`). Calls already made keep the tool
   * (and so the settings) they started with.
   */
  reconfigure(config: ShimConfig, graceMs: number): UpstreamChanges {
    const changes: UpstreamChanges = { added: [], removed: [], replaced: [], kept: [] };
    const next = new Map(enabledServers(config));
    for (const [name, source] of this.sources) {
      if (next.has(name)) continue;
      this.sources.delete(name);
      this.drain(source, graceMs);
      changes.removed.push(name);
    }
    const started: string[] = [];
    for (const [name, server] of next) {
      const old = this.sources.get(name);
      if (old?.reach === reachOf(server)) {
        this.exposing(old, server);
        changes.kept.push(name);
        continue;
      }
      const source = this.newSource(name, server);
      if (old) {
        // Until the new upstream has listed its tools, the old one answers for them.
        source.tools = old.tools;
        source.predecessor = old;
        changes.replaced.push(name);
      } else {
        changes.added.push(name);
      }
      this.sources.set(name, source);
      started.push(name);
    }
    this.policies = config.tools;
    this.reindex();
    for (const name of started) void this.refresh(name, graceMs);
    return changes;
  }

  /** Reads every upstream's tools once; an upstream that fails keeps retrying in the background. */
  async start(): Promise<void> {
    await Promise.all([...this.sources.keys()].map((name) => this.refresh(name)));
  }

  /** Re-reads one upstream's tools; a list that cannot be read keeps the last good one. */
  refresh(upstreamName: string, graceMs = 0): Promise<void> {
    const source = this.sources.get(upstreamName);
    if (!source) return Promise.resolve();
    source.refreshing = source.refreshing.then(() => this.load(source, graceMs));
    return source.refreshing;
  }

  get(name: string): RegisteredTool | undefined {
    return this.byName.get(name);
  }

  /** Exposed tools, sorted by name. */
  list(): readonly RegisteredTool[] {
    return this.listed;
  }

  /** Up to three exposed names close to `name`, for "did you mean" messages. */
  suggest(name: string): string[] {
    return closestNames(name, this.listed.map((tool) => tool.name));
  }

  /** Only the tools `allows` accepts (by exposed name), e.g. an API key's allow-list. */
  view(allows: (tool: string) => boolean): ToolView {
    const list = () => this.listed.filter((tool) => allows(tool.name));
    return {
      get: (name) => {
        const tool = this.get(name);
        return tool && allows(tool.name) ? tool : undefined;
      },
      list,
      suggest: (name) => closestNames(name, list().map((tool) => tool.name)),
    };
  }

  /**
   * Whether some upstream can answer calls now: connected, and its tools listed at least once (a
   * server connected but not yet listed would answer 404 to its own tools, which LiteLLM takes as
   * a reason to cool the deployment down).
   */
  serving(): boolean {
    return [...this.sources.values()].some((source) => source.all !== undefined && source.upstream.health().state === 'ready');
  }

  health(): Record<string, UpstreamStatus> {
    const out: Record<string, UpstreamStatus> = {};
    for (const [name, { upstream, tools }] of this.sources) out[name] = { kind: upstream.kind, ...upstream.health(), tools: tools.length };
    return out;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...[...this.sources.values()].map((source) => source.upstream.close()), ...this.draining]);
  }

  private newSource(name: string, server: ServerConfig): Source {
    const upstream = createUpstream(name, server);
    upstream.onToolsChanged = () => void this.refresh(name);
    return {
      upstream,
      reach: reachOf(server),
      ...exposure(server),
      maxResultBytes: server.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
      limiter: new CallLimiter(name, server.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS, server.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS),
      tools: [],
      refreshing: Promise.resolve(),
    };
  }

  /**
   * Makes `source` expose what `server` now says, over the same upstream; its tools are rebuilt
   * from the last list. Changed in place, so that a list being read for it lands in it.
   */
  private exposing(source: Source, server: ServerConfig): void {
    const maxConcurrent = server.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS;
    const maxQueued = server.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS;
    Object.assign(source, exposure(server));
    // Calls queued on the old limiter finish there; new calls use the new bounds.
    if (!source.limiter.hasBounds(maxConcurrent, maxQueued)) source.limiter = new CallLimiter(source.upstream.name, maxConcurrent, maxQueued);
    if (source.all) this.build(source, source.all.filter((definition) => source.allows(definition.name) && source.readOnlyAllows(definition)));
  }

  private async load(source: Source, graceMs: number): Promise<void> {
    const { upstream } = source;
    let definitions: ToolDefinition[] | undefined;
    try {
      definitions = await upstream.listTools();
    } catch (err) {
      // A shutdown cuts pending connects short: that is no error to report.
      if (!this.closing) log.error('cannot read tool list', { upstream: upstream.name, error: (err as Error).message });
    }
    // A reload replaced the server: after the new upstream's first attempt, the old one goes.
    const predecessor = source.predecessor;
    if (predecessor) {
      source.predecessor = undefined;
      if (!definitions) {
        source.tools = [];
        this.reindex();
      }
      this.drain(predecessor, graceMs);
    }
    if (!definitions || this.sources.get(upstream.name) !== source) return;
    source.all = definitions;
    const exposed = definitions.filter((definition) => source.allows(definition.name) && source.readOnlyAllows(definition));
    // Reconnects and `list_changed` re-read the list, and often nothing exposed changed (the
    // "everything" server adds tools after its handshake that the default config hides).
    if (source.definitions && !predecessor && isDeepStrictEqual(exposed, source.definitions)) {
      log.debug('tool list unchanged', { upstream: upstream.name, tools: exposed.length });
      return;
    }
    this.build(source, exposed);
    log.info('tools loaded', { upstream: upstream.name, tools: source.tools.length });
    this.reindex();
  }

  private build(source: Source, exposed: ToolDefinition[]): void {
    const { upstream } = source;
    const validators = new Map(source.tools.map((tool) => [tool.definition, tool.validate]));
    source.definitions = exposed;
    source.tools = exposed.map((definition) => ({
      upstream,
      definition,
      // A validator compiles on first use; one already made for the same definition is kept.
      validate: validators.get(definition) ?? validatorOnFirstUse(definition.inputSchema, { upstream: upstream.name, tool: definition.name }),
      timeoutMs: source.timeoutMs,
      maxResultBytes: source.maxResultBytes,
      render: source.render,
      maxTableRows: source.maxTableRows,
      limiter: source.limiter,
      observer: this.observer,
    }));
  }

  /** Stops `source` taking calls; closes it once its calls in flight are done, or after `graceMs`. */
  private drain(source: Source, graceMs: number): void {
    source.upstream.onToolsChanged = undefined;
    const closed = source.limiter
      .idle(graceMs)
      .then(() => source.upstream.close())
      .catch((err: unknown) => void log.warn('closing a removed upstream failed', { upstream: source.upstream.name, error: (err as Error).message }))
      .finally(() => this.draining.delete(closed));
    this.draining.add(closed);
  }

  /**
   * Unique names (prefix + tool name) are exposed as they are; a shared one only as
   * `server__tool`, never shadowed. Every tool also answers to `server__tool`.
   */
  private reindex(): void {
    const owners = new Map<string, string[]>();
    for (const [server, source] of this.sources) {
      for (const tool of source.tools) {
        const bare = source.prefix + tool.definition.name;
        owners.set(bare, [...(owners.get(bare) ?? []), server]);
      }
    }
    const byName = new Map<string, RegisteredTool>();
    const listed: RegisteredTool[] = [];
    for (const [server, source] of this.sources) {
      for (const tool of source.tools) {
        const bare = source.prefix + tool.definition.name;
        const qualified = `${server}__${tool.definition.name}`;
        const shared = (owners.get(bare)?.length ?? 0) > 1;
        const name = shared ? qualified : bare;
        const policy = policyFor(name, this.policies);
        const exposed: RegisteredTool = {
          ...tool,
          name,
          definition: exposedDefinition(tool.definition, policy),
          policy,
          timeoutMs: policy?.timeoutSeconds ? policy.timeoutSeconds * 1000 : tool.timeoutMs,
          render: policy?.render ?? tool.render,
          maxTableRows: policy?.maxTableRows ?? tool.maxTableRows,
        };
        listed.push(exposed);
        byName.set(qualified, exposed);
        if (!shared) byName.set(bare, exposed);
      }
    }
    const sharedNames = new Set<string>();
    for (const [tool, servers] of owners) {
      if (servers.length < 2) continue;
      sharedNames.add(tool);
      // Once per name: every upstream's (re)load reindexes, and the warning would repeat each time.
      if (!this.shared.has(tool)) log.warn('tool name offered by several servers; only qualified names are exposed', { tool, servers });
    }
    this.shared = sharedNames;
    this.byName = byName;
    this.listed = listed.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** How a server entry's tools are exposed: what a reload changes without reconnecting. */
function exposure(server: ServerConfig): Pick<Source, 'allows' | 'readOnlyAllows' | 'prefix' | 'timeoutMs' | 'render' | 'maxTableRows'> {
  return {
    allows: toolFilter(server.tools),
    readOnlyAllows: readOnlyFilter(server.readOnly, server.tools?.include),
    prefix: server.prefix ?? '',
    timeoutMs: timeoutMs(server),
    render: server.render ?? 'auto',
    maxTableRows: server.maxTableRows ?? DEFAULT_MAX_TABLE_ROWS,
  };
}

function enabledServers(config: ShimConfig): [string, ServerConfig][] {
  return Object.entries(config.mcpServers).filter(([, server]) => server.enabled !== false);
}

/**
 * What decides how a server is reached, and the limits its transport was built with: a reload
 * that changes any of it replaces the upstream (reconnect, new child); anything else is exposure.
 */
function reachOf(server: ServerConfig): string {
  const { type, maxMessageBytes, maxResultBytes } = server;
  const how = 'url' in server ? { url: server.url, headers: sorted(server.headers) } : { command: server.command, args: server.args ?? [], env: sorted(server.env), cwd: server.cwd };
  return JSON.stringify({ type, maxMessageBytes, maxResultBytes, ...how });
}

function sorted(map: Record<string, string> | undefined): [string, string][] {
  return Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b));
}

function readOnlyFilter(readOnly: boolean | undefined, include: string[] | undefined): (definition: ToolDefinition) => boolean {
  if (!readOnly) return () => true;
  const named = include ? globMatcher(include) : () => false;
  return (definition) => definition.annotations?.readOnlyHint === true || named(definition.name);
}

function toolFilter(filter: ServerConfig['tools']): (tool: string) => boolean {
  const included = filter?.include ? globMatcher(filter.include) : () => true;
  const excluded = filter?.exclude ? globMatcher(filter.exclude) : () => false;
  return (tool) => included(tool) && !excluded(tool);
}
