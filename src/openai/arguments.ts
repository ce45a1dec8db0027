import { RequestError } from '../errors.js';
import { describeParameters, exampleArguments, properties, requiredNames } from '../tool-help.js';
import type { ToolDefinition } from '../upstreams/types.js';

/**
 * Where a wire format carries the arguments, for error messages: the request field they point at,
 * how a person names that place, and a whole request body that would work.
 */
export interface ArgumentsPlace {
  /** The request field: `messages`, `input`, `prompt`. */
  param: string;
  /** The text as a person knows it: "the user message". */
  noun: string;
  /** Where to put the JSON: "the last user message". */
  where: string;
  /** A whole request body holding `text`; none where the arguments are the whole body already. */
  body?(model: string, text: string): object;
}

/** Chat completions: the default place, also named by the REST adapter's and the CLI's errors. */
export const IN_CHAT_MESSAGE: ArgumentsPlace = {
  param: 'messages',
  noun: 'the user message',
  where: 'the last user message',
  body: (model, text) => ({ model, messages: [{ role: 'user', content: text }] }),
};

// The first fenced block, whatever its language tag (```json, ```sql, ```).
const FENCE = /```[^\n`]*\n([\s\S]*?)\n?[ \t]*```/;

/**
 * Turns the text of a user message into a tool's arguments:
 * - a fenced block counts as its inside;
 * - a JSON object is the arguments; `{"arguments": {...}}` is unwrapped when the tool has no
 *   parameter called `arguments`;
 * - plain text fills the one parameter it can unambiguously mean;
 * - empty text is `{}` for a tool that requires nothing.
 */
export function textToArguments(text: string, tool: ToolDefinition, place = IN_CHAT_MESSAGE): Record<string, unknown> {
  const inner = unfence(text.trim());
  if (looksLikeJson(inner)) return unwrap(parseObject(inner, tool, place), tool);
  if (inner === '') {
    if (requiredNames(tool.inputSchema).length === 0) return {};
    throw argumentsError(tool, `${place.noun} is empty`, place);
  }
  const target = plainTextTarget(tool.inputSchema);
  if (target === undefined) {
    throw argumentsError(tool, `${place.noun} is plain text, but this tool needs a JSON object of arguments`, place);
  }
  return { [target]: inner };
}

/** Whether the text (or its fenced block) is meant as JSON arguments: an object or array, parseable or not. */
export function isJsonText(text: string): boolean {
  return looksLikeJson(unfence(text.trim()));
}

function looksLikeJson(text: string): boolean {
  return text.startsWith('{') || text.startsWith('[');
}

/** Checks arguments against the tool's compiled schema validator, if it has one. */
export function checkArguments(
  args: Record<string, unknown>,
  tool: ToolDefinition,
  validate?: (args: Record<string, unknown>) => string[],
  place = IN_CHAT_MESSAGE,
): void {
  const problems = validate?.(args) ?? [];
  if (problems.length > 0) throw argumentsError(tool, problems.join('; '), place);
}

/** What a person types: the arguments as JSON with a space after each `:` and `,` (nested values compact). */
export function typedArguments(args: Record<string, unknown>): string {
  return `{${Object.entries(args)
    .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
    .join(', ')}}`;
}

/**
 * A 400 whose message says what was wrong, then the JSON to type (unescaped, with real enum
 * values and every required parameter), the tool and its parameters, and last a whole request
 * body for API users. No line ends in a colon: LiteLLM's message scrubber reads "s:\n-", as
 * JSON-escaped in its errors, as a Windows path and blanks it.
 */
export function argumentsError(tool: ToolDefinition, problem: string, place = IN_CHAT_MESSAGE): RequestError {
  const typed = typedArguments(exampleArguments(tool.inputSchema));
  const message = [
    `Invalid arguments for tool "${tool.name}": ${problem}.`,
    `Send this as ${place.where}, with your own values: ${typed}`,
    tool.description ? `Tool: ${tool.description}` : undefined,
    `Parameters of "${tool.name}"\n${describeParameters(tool.inputSchema)}`,
    place.body ? `Whole request body, for API calls: ${JSON.stringify(place.body(tool.name, typed))}` : undefined,
  ]
    .filter((line) => line !== undefined)
    .join('\n');
  return new RequestError(message, place.param, 'invalid_arguments');
}

/** The inside of the first fenced block, unless the whole text is already JSON (whose strings may hold fences). */
function unfence(text: string): string {
  if (isJson(text)) return text;
  return (FENCE.exec(text)?.[1] ?? text).trim();
}

function isJson(text: string): boolean {
  if (!text.startsWith('{') && !text.startsWith('[')) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseObject(json: string, tool: ToolDefinition, place: ArgumentsPlace): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw argumentsError(tool, `${place.noun} looks like JSON but does not parse (${(err as Error).message})`, place);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw argumentsError(tool, 'the arguments must be a JSON object, not an array', place);
  }
  return value as Record<string, unknown>;
}

/** `{"arguments": {...}}` is the REST adapter's body shape, pasted as is. */
function unwrap(value: Record<string, unknown>, tool: ToolDefinition): Record<string, unknown> {
  const keys = Object.keys(value);
  const inner = value.arguments;
  const takesArguments = Object.hasOwn(properties(tool.inputSchema), 'arguments');
  if (keys.length === 1 && keys[0] === 'arguments' && !takesArguments && inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
    return inner as Record<string, unknown>;
  }
  return value;
}

/** The parameter plain text can only mean: the one required string, or the only parameter. */
function plainTextTarget(schema: Record<string, unknown>): string | undefined {
  const props = properties(schema);
  const required = requiredNames(schema);
  if (required.length === 1 && acceptsString(props[required[0]!])) return required[0];
  const names = Object.keys(props);
  if (required.length === 0 && names.length === 1 && acceptsString(props[names[0]!])) return names[0];
  return undefined;
}

function acceptsString(prop: { type?: string | string[] } | undefined): boolean {
  const type = prop?.type;
  if (type === undefined) return prop !== undefined;
  return Array.isArray(type) ? type.includes('string') : type === 'string';
}
