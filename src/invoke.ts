import { UnknownToolError } from './errors.js';
import { checkArguments, textToArguments } from './openai/arguments.js';
import type { RegisteredTool, ToolView } from './registry.js';
import type { CallOptions, CallToolResult, ToolDefinition } from './upstreams/types.js';

/**
 * The one path every call takes, from HTTP and from the CLI alike:
 * find the tool → arguments from text → validate → call the upstream.
 */

export function findTool(tools: ToolView, name: string): RegisteredTool {
  const tool = tools.get(name);
  if (!tool) throw new UnknownToolError(name, tools.suggest(name));
  return tool;
}

/** Arguments from a message's text (see `openai/arguments.ts`), validated. */
export function argumentsFromText(tool: RegisteredTool, text: string): Record<string, unknown> {
  return checkedArguments(tool, textToArguments(text, exposedDefinition(tool)));
}

/** Arguments given as an object (the REST adapter's body), validated. */
export function checkedArguments(tool: RegisteredTool, args: Record<string, unknown>): Record<string, unknown> {
  checkArguments(args, exposedDefinition(tool), tool.validate);
  return args;
}

export function callTool(
  tool: RegisteredTool,
  args: Record<string, unknown>,
  signal?: AbortSignal,
  onProgress?: CallOptions['onProgress'],
): Promise<CallToolResult> {
  return tool.upstream.callTool(tool.definition.name, args, { timeoutMs: tool.timeoutMs, signal, onProgress });
}

/** Error messages and examples name the tool as the caller knows it. */
function exposedDefinition(tool: RegisteredTool): ToolDefinition {
  return { ...tool.definition, name: tool.name };
}
