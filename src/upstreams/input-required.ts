import { isInputRequiredResult, type ElicitRequestParams, type ElicitResult, type InputRequiredResult } from '@modelcontextprotocol/client';
import { UpstreamFailedError, type UpstreamError } from './errors.js';

export type { ElicitRequestParams, ElicitResult };

/**
 * A tool that stopped to ask the person something before it goes on: a confirmation, a form, a
 * URL to open. Not a failure and not a result: the call is resumed with the answers
 * (`CallOptions.answers`) and only then answers.
 *
 * Two eras ask alike here:
 * - 2026-07-28: the tool answers `resultType: "input_required"` and the call is sent again with
 *   `inputResponses` and the `requestState` echoed; nothing is held between the two.
 * - older revisions: the server sends `elicitation/create` while the call waits; the call stays
 *   open in this process (`held`) until the answer, the tool's time limit or its connection ends.
 */
export class ToolQuestion {
  constructor(
    /** What the tool asks, keyed as the server keyed it; every one an elicitation. */
    readonly requests: Record<string, ElicitRequestParams>,
    /** Echoed byte for byte when the call is sent again (2026-07-28). */
    readonly requestState?: string,
    /** An older server's question: the id of the call held open for its answer. */
    readonly held?: string,
    /** The held call's release without an answer (its question goes no further). */
    readonly dismiss: () => void = () => undefined,
    /**
     * Given the abort of the request that started the held call (whose signal the call was sent
     * with): a reply that resumes the call and then goes away stops it through that.
     */
    readonly stopsWith: (abort: () => void) => void = () => undefined,
  ) {}
}

/** The person's answers to a question, keyed as the question's requests. */
export interface InputAnswers {
  responses: Record<string, ElicitResult>;
  requestState?: string;
  held?: string;
}

/**
 * The question in a `tools/call` answer, if it is a request for input (2026-07-28). A request for
 * anything but an elicitation (sampling, roots: capabilities the shim does not declare) fails the
 * call: a person cannot answer those.
 */
export function questionIn(result: unknown, upstream: string, tool: string): ToolQuestion | undefined {
  if (!isInputRequiredResult(result)) return undefined;
  const requests: Record<string, ElicitRequestParams> = {};
  for (const [key, request] of Object.entries(result.inputRequests ?? {})) {
    if (request.method !== 'elicitation/create') throw inputRequiredError(upstream, tool, result);
    requests[key] = request.params as ElicitRequestParams;
  }
  if (Object.keys(requests).length === 0) throw inputRequiredError(upstream, tool, result);
  return new ToolQuestion(requests, result.requestState);
}

/**
 * A request for input the shim cannot carry to a person (sampling, roots, or none at all); the
 * tool stopped at it, but what it did before is its own, so the call counts as one that may have run.
 */
function inputRequiredError(upstream: string, tool: string, result: InputRequiredResult): UpstreamError {
  const asked = Object.entries(result.inputRequests ?? {}).map(([key, request]) => `${key}: ${request.method}`);
  return new UpstreamFailedError(
    upstream,
    `tool "${tool}" of upstream "${upstream}" asked for input the shim cannot give${asked.length > 0 ? ` (${asked.join(', ')})` : ''}: only questions for the person (elicitation) are carried`,
  );
}
