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

/** How one server's tools are exposed (its `mcpServers` entry, minus the connection details). */
export interface SourceOptions {
  tools?: ServerConfig['tools'];
  prefix?: string;
  timeoutMs: number;
  maxResultBytes?: number;
  render?: RenderMode;
  maxTableRows?: number;
  readOnly?: boolean;
  maxConcurrentCalls?: number;
  maxQueuedCalls?: number;
}

interface Source {
  upstream: Upstream;
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
  /** The definitions `tools` was built from; undefined until the first list was read. */
  definitions?: ToolDefinition[];
  refreshing: Promise<void>;
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
  private closing = false;

  constructor(
    private readonly policies?: Record<string, ToolPolicy>,
    private readonly observer: CallObserver = NO_OBSERVER,
  ) {}

  static fromConfig(config: ShimConfig, observer?: CallObserver): ToolRegistry {
    const registry = new ToolRegistry(config.tools, observer);
    for (const [name, server] of Object.entries(config.mcpServers)) {
      if (server.enabled === false) continue;
      registry.add(createUpstream(name, server), { ...server, timeoutMs: timeoutMs(server) });
    }
    return registry;
  }

  add(upstream: Upstream, options: SourceOptions): void {
    this.sources.set(upstream.name, {
      upstream,
      allows: toolFilter(options.tools),
      readOnlyAllows: readOnlyFilter(options.readOnly, options.tools?.include),
      prefix: options.prefix ?? '',
      timeoutMs: options.timeoutMs,
      maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
      render: options.render ?? 'auto',
      maxTableRows: options.maxTableRows ?? DEFAULT_MAX_TABLE_ROWS,
      limiter: new CallLimiter(
        upstream.name,
        options.maxConcurrentCalls ?? DEFAULT_MAX_CONCURRENT_CALLS,
        options.maxQueuedCalls ?? DEFAULT_MAX_QUEUED_CALLS,
      ),
      tools: [],
      refreshing: Promise.resolve(),
    });
    upstream.onToolsChanged = () => void this.refresh(upstream.name);
  }

  /** Reads every upstream's tools once; an upstream that fails keeps retrying in the background. */
  async start(): Promise<void> {
    await Promise.all([...this.sources.keys()].map((name) => this.refresh(name)));
  }

  /** Re-reads one upstream's tools; a list that cannot be read keeps the last good one. */
  refresh(upstreamName: string): Promise<void> {
    const source = this.sources.get(upstreamName);
    if (!source) return Promise.resolve();
    source.refreshing = source.refreshing.then(() => this.load(source));
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

  health(): Record<string, UpstreamStatus> {
    const out: Record<string, UpstreamStatus> = {};
    for (const [name, { upstream, tools }] of this.sources) out[name] = { kind: upstream.kind, ...upstream.health(), tools: tools.length };
    return out;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.sources.values()].map((source) => source.upstream.close()));
  }

  private async load(source: Source): Promise<void> {
    const { upstream } = source;
    let definitions: ToolDefinition[];
    try {
      definitions = await upstream.listTools();
    } catch (err) {
      // A shutdown cuts pending connects short: that is no error to report.
      if (!this.closing) log.error('cannot read tool list', { upstream: upstream.name, error: (err as Error).message });
      return;
    }
    const exposed = definitions.filter((definition) => source.allows(definition.name) && source.readOnlyAllows(definition));
    // Reconnects and `list_changed` re-read the list, and often nothing exposed changed (the
    // "everything" server adds tools after its handshake that the default config hides).
    if (source.definitions && isDeepStrictEqual(exposed, source.definitions)) {
      log.debug('tool list unchanged', { upstream: upstream.name, tools: exposed.length });
      return;
    }
    source.definitions = exposed;
    source.tools = exposed.map((definition) => ({
      upstream,
      definition,
      validate: validatorOnFirstUse(definition.inputSchema, { upstream: upstream.name, tool: definition.name }),
      timeoutMs: source.timeoutMs,
      maxResultBytes: source.maxResultBytes,
      render: source.render,
      maxTableRows: source.maxTableRows,
      limiter: source.limiter,
      observer: this.observer,
    }));
    log.info('tools loaded', { upstream: upstream.name, tools: source.tools.length });
    this.reindex();
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
