import { createHash } from 'node:crypto';

/** What strict providers accept as a function name. */
const VALID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX = 64;

/**
 * A function name for every tool name, both ways: a valid name is kept; another has each character
 * outside `[a-zA-Z0-9_-]` replaced by `_` and is cut to 64 characters; a result that is taken
 * (by a valid name, or an earlier mapped one) ends in 8 hex characters of the tool name's hash.
 * The same set of tool names always gives the same function names.
 */
export class FunctionNames {
  private readonly toTool = new Map<string, string>();
  private readonly toFunction = new Map<string, string>();

  constructor(tools: readonly string[]) {
    for (const tool of tools) if (VALID.test(tool)) this.add(tool, tool);
    for (const tool of [...tools].sort()) {
      if (VALID.test(tool)) continue;
      const plain = (tool.replace(/[^a-zA-Z0-9_-]/g, '_') || '_').slice(0, MAX);
      let name = this.toTool.has(plain) ? hashed(plain, tool, '') : plain;
      for (let n = 2; this.toTool.has(name); n += 1) name = hashed(plain, tool, String(n));
      this.add(tool, name);
    }
  }

  /** The function name the LLM sees for a tool. */
  function(tool: string): string {
    return this.toFunction.get(tool) ?? tool;
  }

  /** The tool a function name stands for; undefined for a name the LLM made up. */
  tool(name: string): string | undefined {
    return this.toTool.get(name);
  }

  private add(tool: string, name: string): void {
    this.toTool.set(name, tool);
    this.toFunction.set(tool, name);
  }
}

function hashed(plain: string, tool: string, salt: string): string {
  const suffix = `_${createHash('sha256').update(tool + salt).digest('hex').slice(0, 8)}`;
  return plain.slice(0, MAX - suffix.length) + suffix;
}
