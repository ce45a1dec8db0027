import type { RegisteredTool } from '../registry.js';

/** Pretty JSON in a fenced block: what the person can copy and send. */
function jsonBlock(args: Record<string, unknown>): string {
  return `\`\`\`json\n${JSON.stringify(args, null, 2)}\n\`\`\``;
}

/** The answer of a call whose arguments the LLM derived: those arguments first, then the result. */
export function withDerivedArguments(tool: RegisteredTool, derived: Record<string, unknown>, answer: string): string {
  return `Called ${tool.name} with these arguments, derived from your message.\n\n${jsonBlock(derived)}\n\n${answer}`;
}

/**
 * Derived arguments for a tool that may change data are shown, not run: the person confirms by
 * sending exactly that JSON, which is then an ordinary call.
 */
export function confirmationAnswer(tool: RegisteredTool, derived: Record<string, unknown>): string {
  return (
    `${jsonBlock(derived)}\n\n` +
    `Not run yet: "${tool.name}" is not marked read-only, so it may change data. Send exactly this JSON as your message to run it.`
  );
}
