import type { JSONRPCMessage, MessageExtraInfo, Transport } from '@modelcontextprotocol/client';

type Delivery = [message: JSONRPCMessage, extra: MessageExtraInfo | undefined];

/**
 * Makes the SDK see every notification's effect before a response delivered after it.
 *
 * The SDK's `Protocol` runs notification handlers a microtask later but handles a response at
 * once, deleting the call's progress handler: progress that arrives in the same read as the
 * result (one pipe read, one SSE chunk) is dropped as "unknown token". Here, a response that
 * follows a notification in the same turn of the event loop waits for the next turn (after
 * every microtask), and so does everything after it, in order. Without notifications nothing waits.
 */
export function deliverProgressFirst(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  let notifiedThisTurn = false;
  let waiting: Delivery[] | undefined;
  const flush = () => {
    const due = waiting ?? [];
    waiting = undefined;
    notifiedThisTurn = false;
    for (const [message, extra] of due) receive(message, extra);
  };
  const receive = (message: JSONRPCMessage, extra?: MessageExtraInfo) => {
    if (waiting) {
      waiting.push([message, extra]);
      return;
    }
    const isNotification = !('id' in message);
    if (!isNotification && notifiedThisTurn && ('result' in message || 'error' in message)) {
      waiting = [[message, extra]];
      setImmediate(flush);
      return;
    }
    deliver.call(transport, message, extra);
    if (isNotification && !notifiedThisTurn) {
      notifiedThisTurn = true;
      setImmediate(() => {
        if (!waiting) notifiedThisTurn = false;
      });
    }
  };
  transport.onmessage = receive;
}
