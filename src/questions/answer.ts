import { RequestError } from '../errors.js';
import { textToArguments, type ArgumentsPlace } from '../openai/arguments.js';
import { properties, requiredNames } from '../tool-help.js';
import type { ElicitRequestParams, ElicitResult } from '../upstreams/input-required.js';
import { compileValidator, type ArgumentValidator } from '../validator.js';
import { formSchema, replyExample } from './question-text.js';

/** Replies that turn the question down: "no" declines, "cancel" dismisses it (MCP's two refusals). */
const DECLINE = new Set(['no', 'n', 'nope', 'decline', 'deny', 'reject']);
const CANCEL = new Set(['cancel', 'stop', 'abort', 'never mind', 'nevermind']);
/** Replies that accept a URL request, or confirm a form whose required fields are all yes/no. */
const YES = new Set(['yes', 'y', 'ok', 'okay', 'done', 'confirm', 'confirmed', 'sure', 'go ahead']);

/**
 * The person's reply as the answers to a tool's question: a refusal, a "done" for a URL, or the
 * form's content (JSON, as in the example; plain text for a form with one text field; "yes" for
 * a form of yes/no fields), checked against the form's schema. A reply that fits nothing is a 400
 * that shows what to send; the question stays open.
 */
export function readAnswer(text: string, requests: Record<string, ElicitRequestParams>, tool: string, place: ArgumentsPlace): Record<string, ElicitResult> {
  const word = text
    .trim()
    .toLowerCase()
    .replace(/[.!\s]+$/, '');
  const all = (result: ElicitResult) => Object.fromEntries(Object.keys(requests).map((key) => [key, result]));
  if (DECLINE.has(word)) return all({ action: 'decline' });
  if (CANCEL.has(word)) return all({ action: 'cancel' });
  const entries = Object.entries(requests);
  const forms = entries.filter(([, request]) => request.mode !== 'url');
  if (forms.length === 0) {
    if (YES.has(word)) return all({ action: 'accept' });
    throw answerError(tool, requests, `reply "done" once you have finished at the link`, place);
  }
  if (entries.length === 1) return { [forms[0]![0]]: { action: 'accept', content: formContent(text, word, forms[0]![1], tool, requests, place) } };
  // Several questions at once: one JSON object, a member per question.
  const reply = textToArguments(text, { name: tool, inputSchema: { type: 'object' } }, place);
  const answers: Record<string, ElicitResult> = {};
  for (const [key, request] of entries) {
    if (request.mode === 'url') answers[key] = { action: 'accept' };
    else answers[key] = { action: 'accept', content: checked(reply[key] ?? {}, request, tool, requests, place, `"${key}": `) };
  }
  return answers;
}

function formContent(text: string, word: string, request: ElicitRequestParams, tool: string, requests: Record<string, ElicitRequestParams>, place: ArgumentsPlace): ElicitResult['content'] {
  const schema = formSchema(request);
  const yesNo = yesNoFields(schema);
  if (YES.has(word) && yesNo) return checked(Object.fromEntries(yesNo.map((name) => [name, true])), request, tool, requests, place);
  let content: Record<string, unknown>;
  try {
    content = textToArguments(text, { name: tool, inputSchema: schema }, place);
  } catch (err) {
    if (err instanceof RequestError) throw answerError(tool, requests, 'it is not the JSON the question asks for', place);
    throw err;
  }
  return checked(content, request, tool, requests, place);
}

/** The required fields, when every one is a yes/no: a plain "yes" answers them all. */
function yesNoFields(schema: Record<string, unknown>): string[] | undefined {
  const props = properties(schema);
  const required = requiredNames(schema);
  return required.length > 0 && required.every((name) => props[name]?.type === 'boolean') ? required : undefined;
}

function checked(
  content: unknown,
  request: ElicitRequestParams,
  tool: string,
  requests: Record<string, ElicitRequestParams>,
  place: ArgumentsPlace,
  prefix = '',
): ElicitResult['content'] {
  const schema = formSchema(request);
  if (content === null || typeof content !== 'object' || Array.isArray(content)) throw answerError(tool, requests, `${prefix}not a JSON object`, place);
  const problems = formValidator(schema, tool)?.(content as Record<string, unknown>) ?? [];
  if (problems.length > 0) throw answerError(tool, requests, `${prefix}${problems.join('; ')}`, place);
  return content as ElicitResult['content'];
}

/**
 * Compiled forms, by their JSON: ajv keeps every schema it compiled, so each answer compiling its
 * form anew would grow it without end. Tools ask the same few forms; the oldest make room.
 */
const validators = new Map<string, ArgumentValidator | undefined>();
const MAX_VALIDATORS = 100;

function formValidator(schema: Record<string, unknown>, tool: string): ArgumentValidator | undefined {
  const key = JSON.stringify(schema);
  if (validators.has(key)) return validators.get(key);
  if (validators.size >= MAX_VALIDATORS) validators.delete(validators.keys().next().value as string);
  const validate = compileValidator(schema, { upstream: 'question', tool });
  validators.set(key, validate);
  return validate;
}

function answerError(tool: string, requests: Record<string, ElicitRequestParams>, problem: string, place: ArgumentsPlace): RequestError {
  const example = replyExample(requests);
  const message = [
    `That answer does not fit what "${tool}" asked: ${problem}.`,
    example ? `Reply with JSON like this, with your own values: ${example}` : undefined,
    'Or reply "no" to decline, or "cancel". Nothing was sent to the tool; its question is still open.',
  ]
    .filter((line) => line !== undefined)
    .join('\n');
  return new RequestError(message, place.param, 'invalid_answer');
}
