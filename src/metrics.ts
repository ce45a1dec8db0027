import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallObserver, CallOutcome, CallWatch } from './call-outcome.js';
import type { ToolRegistry } from './registry.js';
import type { RecordKind, StateStore, StoreObserver } from './state/index.js';
import { VERSION } from './version.js';

type ToolRef = { name: string; upstream: { name: string } };

// From a cached row (0.5 ms) to the longest timeout anyone configures (300 s).
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * The shim's Prometheus metrics, in a registry of its own (several shims may share a process in
 * tests). Every label value is a configured name (tool, upstream) or a route template: a request
 * can never create a series by naming something that does not exist.
 */
export class ShimMetrics implements CallObserver, StoreObserver {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: 'mcp_shim_tool_calls_total',
    help: 'Tool calls by outcome: success, tool_error, rejected, unavailable, failed, timeout, too_large, busy, cancelled.',
    labelNames: ['tool', 'upstream', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'mcp_shim_tool_call_duration_seconds',
    help: 'Time from accepting a tool call (queue included) to its outcome.',
    labelNames: ['tool', 'upstream'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'mcp_shim_in_flight_calls',
    help: 'Tool calls queued or running, per upstream.',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  private readonly requests = new Counter({
    name: 'mcp_shim_http_requests_total',
    help: 'HTTP requests by route template and status (499: the client went away).',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly reloads = new Counter({
    name: 'mcp_shim_config_reloads_total',
    help: 'Config reloads by result: success, or failure (the running config stayed).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly lastReload = new Gauge({
    name: 'mcp_shim_config_last_reload_success_timestamp_seconds',
    help: 'When the config was last reloaded successfully (Unix time; 0: never).',
    registers: [this.registry],
  });
  private readonly stateStored = new Counter({
    name: 'mcp_shim_state_stored_total',
    help: 'Records this replica stored (kind: response, an agent answer on the Responses API).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly stateHits = new Counter({
    name: 'mcp_shim_state_hits_total',
    help: 'Records looked up and found (previous_response_id, GET /v1/responses/{id}).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly stateMisses = new Counter({
    name: 'mcp_shim_state_misses_total',
    help: 'Records looked up and not found: unknown, expired, evicted, deleted or another key\'s.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly stateEvictions = new Counter({
    name: 'mcp_shim_state_evictions_total',
    help: 'Records this replica evicted, oldest first, to keep state.maxEntries or state.maxBytes, and records too large to keep (expiry by age is not counted).',
    registers: [this.registry],
  });
  // Label children are looked up once per tool, not per call: the hot path only increments.
  private readonly perTool = new WeakMap<ToolRef, ToolSeries>();
  /** Every tool and upstream a series was made for, so that a reload can remove those gone. */
  private readonly labelled = new Map<string, { tool: string; upstream: string; outcomes: Set<CallOutcome> }>();

  constructor() {
    new Gauge({ name: 'mcp_shim_build_info', help: 'The running version.', labelNames: ['version'] as const, registers: [this.registry] }).set({ version: VERSION }, 1);
    collectDefaultMetrics({ register: this.registry });
  }

  /** `mcp_shim_upstream_up` reads the registry at scrape time: no bookkeeping on state changes. */
  watch(tools: ToolRegistry): void {
    new Gauge({
      name: 'mcp_shim_upstream_up',
      help: '1 when the upstream is connected and its tools are listed, else 0.',
      labelNames: ['upstream', 'kind'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [name, status] of Object.entries(tools.health())) this.set({ upstream: name, kind: status.kind }, status.state === 'ready' ? 1 : 0);
      },
    });
  }

  /** `mcp_shim_state_records` asks the store at scrape time (with Redis: the count all replicas share). */
  watchStore(store: StateStore): void {
    new Gauge({
      name: 'mcp_shim_state_records',
      help: 'Records held in the state store now, every kind.',
      registers: [this.registry],
      async collect() {
        // A store that cannot answer keeps the last count rather than failing the scrape.
        const count = await store.count().catch(() => undefined);
        if (count !== undefined) this.set(count);
      },
    });
  }

  stored(kind: RecordKind): void {
    this.stateStored.labels(kind).inc();
  }

  hit(kind: RecordKind): void {
    this.stateHits.labels(kind).inc();
  }

  miss(kind: RecordKind): void {
    this.stateMisses.labels(kind).inc();
  }

  evicted(count: number): void {
    this.stateEvictions.inc(count);
  }

  started(tool: ToolRef): CallWatch {
    const series = this.series(tool);
    series.inFlight.inc();
    const stopTimer = series.duration.startTimer();
    return {
      ended(outcome) {
        series.inFlight.dec();
        stopTimer();
        series.outcome(outcome).inc();
      },
    };
  }

  rejected(tool: ToolRef): void {
    this.series(tool).outcome('rejected').inc();
  }

  /**
   * Counts a reload; after a successful one, the series of tools and upstreams the registry no
   * longer has are removed (a tool a later reload brings back starts from zero).
   */
  reloaded(success: boolean, tools?: ToolRegistry): void {
    this.reloads.labels(success ? 'success' : 'failure').inc();
    if (!success || !tools) return;
    this.lastReload.set(Date.now() / 1000);
    const upstreams = new Set(Object.keys(tools.health()));
    const current = new Set(tools.list().map((tool) => seriesKey(tool.name, tool.upstream.name)));
    for (const [key, { tool, upstream, outcomes }] of this.labelled) {
      if (current.has(key)) continue;
      this.labelled.delete(key);
      this.duration.remove(tool, upstream);
      for (const outcome of outcomes) this.calls.remove(tool, upstream, outcome);
      if (!upstreams.has(upstream)) this.inFlight.remove(upstream);
    }
  }

  httpRequest(route: string, status: number): void {
    this.requests.labels(route, String(status)).inc();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private series(tool: ToolRef): ToolSeries {
    let series = this.perTool.get(tool);
    if (!series) {
      const byOutcome = new Map<CallOutcome, Counter.Internal>();
      const { name, upstream } = tool;
      const key = seriesKey(name, upstream.name);
      const labelled = this.labelled.get(key) ?? { tool: name, upstream: upstream.name, outcomes: new Set<CallOutcome>() };
      this.labelled.set(key, labelled);
      series = {
        inFlight: this.inFlight.labels(upstream.name),
        duration: this.duration.labels(name, upstream.name),
        outcome: (outcome) => {
          let counter = byOutcome.get(outcome);
          if (!counter) {
            byOutcome.set(outcome, (counter = this.calls.labels(name, upstream.name, outcome)));
            labelled.outcomes.add(outcome);
          }
          return counter;
        },
      };
      this.perTool.set(tool, series);
    }
    return series;
  }
}

function seriesKey(tool: string, upstream: string): string {
  return `${tool}\u0000${upstream}`;
}

interface ToolSeries {
  inFlight: Gauge.Internal<'upstream'>;
  duration: Histogram.Internal<'tool' | 'upstream'>;
  outcome(outcome: CallOutcome): Counter.Internal;
}
