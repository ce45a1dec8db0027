import type { ShimConfig, ToolFilter } from './config/types.js';
import { globMatcher } from './glob.js';
import { log } from './log.js';
import { closestNames } from './suggest.js';
import { createUpstream, timeoutMs } from './upstreams/index.js';
import type { ToolDefinition, Upstream, UpstreamHealth } from './upstreams/types.js';
import { compileValidator, type ArgumentValidator } from './validator.js';

/** A tool as the shim exposes it. */
export interface RegisteredTool {
  /** The exposed name: the tool's own name, or `server__tool` when two servers share it. */
  readonly name: string;
  readonly upstream: Upstream;
  readonly definition: ToolDefinition;
  readonly validate: ArgumentValidator | undefined;
  readonly timeoutMs: number;
}

export interface UpstreamStatus extends UpstreamHealth {
  tools: number;
}

interface Source {
  upstream: Upstream;
  allows: (tool: string) => boolean;
  timeoutMs: number;
  tools: Omit<RegisteredTool, 'name'>[];
  refreshing: Promise<void>;
}

/** Every upstream's tools by exposed name, with argument validators compiled once per tool. */
export class ToolRegistry {
  private readonly sources = new Map<string, Source>();
  private byName = new Map<string, RegisteredTool>();
  private listed: RegisteredTool[] = [];

  static fromConfig(config: ShimConfig): ToolRegistry {
    const registry = new ToolRegistry();
    for (const [name, server] of Object.entries(config.mcpServers)) {
      if (server.enabled === false) continue;
      registry.add(createUpstream(name, server), server.tools, timeoutMs(server));
    }
    return registry;
  }

  add(upstream: Upstream, filter: ToolFilter | undefined, timeoutMs: number): void {
    this.sources.set(upstream.name, {
      upstream,
      allows: toolFilter(filter),
      timeoutMs,
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

  health(): Record<string, UpstreamStatus> {
    const out: Record<string, UpstreamStatus> = {};
    for (const [name, source] of this.sources) out[name] = { ...source.upstream.health(), tools: source.tools.length };
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sources.values()].map((source) => source.upstream.close()));
  }

  private async load(source: Source): Promise<void> {
    const { upstream } = source;
    let definitions: ToolDefinition[];
    try {
      definitions = await upstream.listTools();
    } catch (err) {
      log.error('cannot read tool list', { upstream: upstream.name, error: (err as Error).message });
      return;
    }
    source.tools = definitions
      .filter((definition) => source.allows(definition.name))
      .map((definition) => ({
        upstream,
        definition,
        validate: compileValidator(definition.inputSchema, { upstream: upstream.name, tool: definition.name }),
        timeoutMs: source.timeoutMs,
      }));
    log.info('tools loaded', { upstream: upstream.name, tools: source.tools.length });
    this.reindex();
  }

  /** Unique names are exposed bare; a shared name only as `server__tool`, never shadowed. */
  private reindex(): void {
    const owners = new Map<string, string[]>();
    for (const [server, source] of this.sources) {
      for (const tool of source.tools) owners.set(tool.definition.name, [...(owners.get(tool.definition.name) ?? []), server]);
    }
    const byName = new Map<string, RegisteredTool>();
    const listed: RegisteredTool[] = [];
    for (const [server, source] of this.sources) {
      for (const tool of source.tools) {
        const bare = tool.definition.name;
        const qualified = `${server}__${bare}`;
        const shared = (owners.get(bare)?.length ?? 0) > 1;
        const exposed: RegisteredTool = { ...tool, name: shared ? qualified : bare };
        listed.push(exposed);
        byName.set(qualified, exposed);
        if (!shared) byName.set(bare, exposed);
      }
    }
    for (const [tool, servers] of owners) {
      if (servers.length > 1) log.warn('tool name offered by several servers; only qualified names are exposed', { tool, servers });
    }
    this.byName = byName;
    this.listed = listed.sort((a, b) => a.name.localeCompare(b.name));
  }
}

function toolFilter(filter: ToolFilter | undefined): (tool: string) => boolean {
  const included = filter?.include ? globMatcher(filter.include) : () => true;
  const excluded = filter?.exclude ? globMatcher(filter.exclude) : () => false;
  return (tool) => included(tool) && !excluded(tool);
}
