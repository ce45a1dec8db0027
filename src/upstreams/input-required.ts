import { isInputRequiredResult, type InputRequiredResult } from '@modelcontextprotocol/client';
import { UpstreamFailedError, type UpstreamError } from './errors.js';

/**
 * Whether a `tools/call` answer is a request for input rather than the tool's result: on the
 * 2026-07-28 revision a tool that needs something from the user (a confirmation, a form, a URL to
 * open) answers `resultType: "input_required"`, and the call is meant to be sent again with the
 * answers (`inputResponses`, `requestState`).
 */
export function asksForInput(result: unknown): result is InputRequiredResult {
  return isInputRequiredResult(result);
}

/**
 * The one place a tool's request for input meets the shim. The shim declares no `elicitation`
 * capability (nor `sampling`, `roots`), so a server should not ask: older-era servers have no
 * handler to send `elicitation/create` to (the SDK answers "method not found"), and 2026-era
 * servers answer a tool that needs input with an error. One that asks anyway fails the call
 * here; the tool stopped at its question, but what it did before is its own, so the call counts
 * as one that may have run.
 */
export function inputRequiredError(upstream: string, tool: string, result: InputRequiredResult): UpstreamError {
  const asked = Object.entries(result.inputRequests ?? {}).map(([key, request]) => `${key}: ${request.method}`);
  return new UpstreamFailedError(
    upstream,
    `tool "${tool}" of upstream "${upstream}" asked for input${asked.length > 0 ? ` (${asked.join(', ')})` : ''}, which the shim cannot give: it does not carry a tool's questions`,
  );
}
