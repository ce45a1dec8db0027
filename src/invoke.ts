import { errorOutcome, resultOutcome } from './call-outcome.js';
import { RequestError, UnknownToolError } from './errors.js';
import { argumentsFromLlm } from './llm/arguments-from-text.js';
import type { Llm } from './llm/client.js';
import { checkArguments, IN_CHAT_MESSAGE, isJsonText, textToArguments, type ArgumentsPlace } from './openai/arguments.js';
import type { RegisteredTool, ToolView } from './registry.js';
import { log } from './log.js';
import { applyPolicy } from './tool-policy.js';
import { InputNotCarriedError, ResultTooLargeError } from './upstreams/errors.js';
import { ToolQuestion, type InputAnswers } from './upstreams/input-required.js';
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
  return noteRejection(tool, () => readArguments(tool, text, place));
}

export interface CallArguments {
  /** What is sent: pins included. */
  args: Record<string, unknown>;
  /** Derived by the LLM from plain text (`fromText: llm`): what the person would type (no pins). */
  derived?: Record<string, unknown>;
}

/**
 * Arguments for a call from a message: as `argumentsFromText` reads them, or, for a tool with
 * `fromText: llm` whose message is not JSON and gives no valid arguments that way, as the LLM
 * derives them (see llm/arguments-from-text.ts).
 */
export async function argumentsForCall(tool: RegisteredTool, text: string, place: ArgumentsPlace, llm?: Llm, signal?: AbortSignal): Promise<CallArguments> {
  if (!llm || tool.policy?.fromText !== 'llm' || isJsonText(text)) return { args: argumentsFromText(tool, text, place) };
  return noteRejection(tool, async () => {
    try {
      return { args: readArguments(tool, text, place) };
    } catch (err) {
      if (!(err instanceof RequestError)) throw err;
    }
    let derived: Record<string, unknown> = {};
    const check = (given: Record<string, unknown>) => {
      const sent = validated(tool, given, place);
      derived = given;
      return sent;
    };
    const args = await argumentsFromLlm(llm, asCalled(tool), text, check, place, signal);
    return { args, derived };
  });
}

/** Arguments given as an object (the REST adapter's body), validated. */
export function checkedArguments(tool: RegisteredTool, args: Record<string, unknown>, place: ArgumentsPlace = IN_CHAT_MESSAGE): Record<string, unknown> {
  return noteRejection(tool, () => validated(tool, args, place));
}

function readArguments(tool: RegisteredTool, text: string, place: ArgumentsPlace): Record<string, unknown> {
  return validated(tool, textToArguments(text, asCalled(tool), place), place);
}

function validated(tool: RegisteredTool, args: Record<string, unknown>, place: ArgumentsPlace): Record<string, unknown> {
  // Pins join after the caller's arguments are checked for names they may not use, and the
  // whole is validated against the upstream's own schema.
  const sent = applyPolicy(args, tool.policy, tool.name, place.param);
  checkArguments(sent, asCalled(tool), tool.validate, place);
  return sent;
}

/** Arguments the shim refuses are a call outcome too (`rejected`), though nothing is sent; `read` may be async. */
function noteRejection<T>(tool: RegisteredTool, read: () => T): T {
  const note = (err: unknown): never => {
    if (err instanceof RequestError) tool.observer.rejected(tool);
    throw err;
  };
  try {
    const value = read();
    return (value instanceof Promise ? value.catch(note) : value) as T;
  } catch (err) {
    return note(err);
  }
}

export interface CallContext {
  /** Aborted when the caller goes away: the upstream call is cancelled. */
  signal?: AbortSignal;
  onProgress?: CallOptions['onProgress'];
  /** The person's answers to the question the call stopped at: the call resumes with them. */
  answers?: InputAnswers;
}

/**
 * A call whose tool may stop at a question for the person (the chat faces carry it as an
 * assistant turn and resume the call with the answer, see questions/).
 */
export async function callOrAsk(tool: RegisteredTool, args: Record<string, unknown>, { signal, onProgress, answers }: CallContext = {}): Promise<CallToolResult | ToolQuestion> {
  const watch = tool.observer.started(tool, args);
  const options = { timeoutMs: tool.timeoutMs, signal, onProgress, traceContext: watch.traceContext, answers };
  try {
    const answer = await tool.limiter.run(() => tool.upstream.callTool(tool.definition.name, args, options), signal);
    if (answer instanceof ToolQuestion) watch.ended('asked');
    else watch.ended(resultOutcome(answer), answer);
    return answer;
  } catch (err) {
    watch.ended(errorOutcome(err));
    if (err instanceof ResultTooLargeError) {
      log.warn('tool answer over maxMessageBytes; the call fails, the server keeps running', { upstream: err.upstream, tool: tool.name, bytes: err.bytes, limit: err.limit });
    }
    throw err;
  }
}

/**
 * A call whose caller cannot carry a question (a program's JSON, the CLI): a tool that asks fails
 * the call, and an older server's question is cancelled.
 */
export async function callTool(tool: RegisteredTool, args: Record<string, unknown>, signal?: AbortSignal, onProgress?: CallOptions['onProgress']): Promise<CallToolResult> {
  const answer = await callOrAsk(tool, args, { signal, onProgress });
  if (!(answer instanceof ToolQuestion)) return answer;
  answer.dismiss();
  throw new InputNotCarriedError(tool.upstream.name, tool.name, questionSummary(answer));
}

/** The question's own words, for an error that cannot ask it. */
function questionSummary(question: ToolQuestion): string {
  return Object.values(question.requests)
    .map((request) => request.message)
    .join(' ');
}

/** Error messages and examples name the tool as the caller knows it. */
function asCalled(tool: RegisteredTool): ToolDefinition {
  return { ...tool.definition, name: tool.name };
}
