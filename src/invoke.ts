import { errorOutcome, resultOutcome } from './call-outcome.js';
import { RequestError, UnknownToolError } from './errors.js';
import { checkArguments, IN_CHAT_MESSAGE, textToArguments, type ArgumentsPlace } from './openai/arguments.js';
import type { RegisteredTool, ToolView } from './registry.js';
import { applyPolicy } from './tool-policy.js';
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

/** Arguments from a message's text (see `openai/arguments.ts`), validated; errors name the face's `place`. */
export function argumentsFromText(tool: RegisteredTool, text: string, place = IN_CHAT_MESSAGE): Record<string, unknown> {
  return checkedArguments(tool, noteRejection(tool, () => textToArguments(text, asCalled(tool), place)), place);
}

/** Arguments given as an object (the REST adapter's body), validated. */
export function checkedArguments(tool: RegisteredTool, args: Record<string, unknown>, place: ArgumentsPlace = IN_CHAT_MESSAGE): Record<string, unknown> {
  // Pins join after the caller's arguments are checked for names they may not use, and the
  // whole is validated against the upstream's own schema.
  return noteRejection(tool, () => {
    const sent = applyPolicy(args, tool.policy, tool.name, place.param);
    checkArguments(sent, asCalled(tool), tool.validate, place);
    return sent;
  });
}

/** Arguments the shim refuses are a call outcome too (`rejected`), though nothing is sent. */
function noteRejection<T>(tool: RegisteredTool, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof RequestError) tool.observer.rejected(tool);
    throw err;
  }
}

export async function callTool(
  tool: RegisteredTool,
  args: Record<string, unknown>,
  signal?: AbortSignal,
  onProgress?: CallOptions['onProgress'],
): Promise<CallToolResult> {
  const watch = tool.observer.started(tool, args);
  const options = { timeoutMs: tool.timeoutMs, signal, onProgress, traceContext: watch.traceContext };
  try {
    const result = await tool.limiter.run(() => tool.upstream.callTool(tool.definition.name, args, options), signal);
    watch.ended(resultOutcome(result), result);
    return result;
  } catch (err) {
    watch.ended(errorOutcome(err));
    throw err;
  }
}

/** Error messages and examples name the tool as the caller knows it. */
function asCalled(tool: RegisteredTool): ToolDefinition {
  return { ...tool.definition, name: tool.name };
}
