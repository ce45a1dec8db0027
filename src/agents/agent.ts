import { DEFAULT_AGENT_MAX_STEPS, DEFAULT_AGENT_MAX_TOOL_RESULT_BYTES, type AgentConfig } from '../config/types.js';
import { globMatcher } from '../glob.js';
import type { RegisteredTool, ToolView } from '../registry.js';

/** An agent model: an LLM that answers the conversation, calling the tools it is given. */
export interface Agent {
  readonly name: string;
  readonly instructions?: string;
  readonly model?: string;
  readonly maxSteps: number;
  readonly allowMutations: boolean;
  readonly maxToolResultBytes: number;
  /** Whether an exposed tool name matches the agent's `tools` globs. */
  readonly wants: (tool: string) => boolean;
}

export function agentsFromConfig(configs: Record<string, AgentConfig> | undefined): Map<string, Agent> {
  return new Map(
    Object.entries(configs ?? {}).map(([name, config]) => [
      name,
      {
        name,
        instructions: config.instructions,
        model: config.model,
        maxSteps: config.maxSteps ?? DEFAULT_AGENT_MAX_STEPS,
        allowMutations: config.allowMutations === true,
        maxToolResultBytes: config.maxToolResultBytes ?? DEFAULT_AGENT_MAX_TOOL_RESULT_BYTES,
        wants: globMatcher(config.tools),
      },
    ]),
  );
}

/**
 * The tools an agent may call for this caller: its globs, within the caller's own view (an API
 * key's allow-list), and only tools annotated read-only unless it allows mutations.
 */
export function agentTools(agent: Agent, view: ToolView): RegisteredTool[] {
  return view.list().filter((tool) => agent.wants(tool.name) && (agent.allowMutations || tool.definition.annotations?.readOnlyHint === true));
}
