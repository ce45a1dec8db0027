/**
 * How a question finds its way back. The shim's question ends with a line naming it
 * ("Question ask_… is open …"); a chat client sends that assistant message back with the
 * person's reply (chat completions resend the whole conversation), and the reply is read as the
 * answer to the question named there. On the Responses API the question's id is the response's
 * own, so `previous_response_id` names it too.
 */

const MARKER = /Question ((?:ask|resp)_[A-Za-z0-9_-]{8,64}) is open\b/;

/** The words that name a question in its message: they start its last line. */
export function questionMarker(id: string): string {
  return `Question ${id} is open`;
}

/** The id of the question a message of the shim's asked, if it is one. */
export function questionIdIn(text: string): string | undefined {
  // Only the shim's own questions carry the marker; a long message is read only where it would be.
  return MARKER.exec(text.length > 4096 ? text.slice(-4096) : text)?.[1];
}
