import { typedArguments } from '../openai/arguments.js';
import { describeParameters, exampleArguments } from '../tool-help.js';
import type { ElicitRequestParams } from '../upstreams/input-required.js';
import { questionMarker } from './marker.js';

/** What the person is told about how long they have. */
export type QuestionExpiry = { seconds: number } | { held: true };

/**
 * A tool's question as an assistant message, in plain words: what it asks, what to send (the
 * requested form as a JSON example and its fields, or the URL to open), how to decline, and last
 * the line that names the question, so that the reply finds it (marker.ts).
 */
export function questionText(tool: string, id: string, requests: Record<string, ElicitRequestParams>, expiry: QuestionExpiry): string {
  const entries = Object.entries(requests);
  const several = entries.length > 1;
  const parts: string[] = [];
  for (const [key, request] of entries) {
    parts.push(`**${tool} asks${several ? ` (${key})` : ''}:** ${request.message}`);
    if (request.mode === 'url') parts.push(`Open this link and finish there: ${request.url}`);
    else if (!several) parts.push(`Fields\n${describeParameters(formSchema(request))}`);
  }
  const reply = replyExample(requests);
  if (reply) parts.push(`Reply with JSON like this, with your own values:\n\n\`\`\`json\n${reply}\n\`\`\``);
  else parts.push('Reply "done" once you have finished there.');
  parts.push('Or reply "no" to decline, or "cancel".');
  parts.push(`_${questionMarker(id)} ${expiryText(expiry)}._`);
  return parts.join('\n\n');
}

/** The JSON a reply would hold, or none when every request is a URL to open. */
export function replyExample(requests: Record<string, ElicitRequestParams>): string | undefined {
  const forms = Object.entries(requests).filter(([, request]) => request.mode !== 'url');
  if (forms.length === 0) return undefined;
  if (Object.keys(requests).length === 1) return typedArguments(formExample(forms[0]![1]));
  return typedArguments(Object.fromEntries(forms.map(([key, request]) => [key, formExample(request)])));
}

/** The form a request asks to fill in; a URL to open has none. */
export function formSchema(request: ElicitRequestParams): Record<string, unknown> {
  return (request.mode === 'url' ? {} : request.requestedSchema) as Record<string, unknown>;
}

/** Every field of the form with a plausible value: a person fills in optional fields as readily as required ones. */
function formExample(request: ElicitRequestParams): Record<string, unknown> {
  const schema = formSchema(request);
  return exampleArguments({ ...schema, required: Object.keys((schema.properties as object | undefined) ?? {}) });
}

function expiryText(expiry: QuestionExpiry): string {
  if ('held' in expiry) return 'while the tool waits for it: reply soon';
  const minutes = Math.round(expiry.seconds / 60);
  if (minutes < 120) return `for ${Math.max(minutes, 1)} minutes`;
  return `for ${Math.round(minutes / 60)} hours`;
}
