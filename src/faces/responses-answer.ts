import { MAY_HAVE_RUN, type ErrorResponse } from '../openai/errors.js';
import { usageFor, type Usage } from '../openai/usage.js';
import type { AnswerExtras, AnswerStream, EventSink } from './face.js';
import type { ResponsesRequest } from './responses-request.js';

/**
 * `response` objects and their stream events, as the official openai clients type them and
 * `client.responses.stream()` accumulates them. `store` and `previous_response_id` say what
 * happened (`extras.stored`): only an agent's answer is stored.
 * Everything in an answer follows from the request and the content (the items' ids from the
 * response's), so the answer built for the store is the one a stream completed with.
 */

interface Head {
  id: string;
  created_at: number;
  model: string;
  /** `text.format.type`: what the caller asked for (a schema is treated as `json_object`). */
  format: 'text' | 'json_object';
  store: boolean;
  previous_response_id: string | null;
}

type Status = 'in_progress' | 'completed' | 'failed';

const head = (request: ResponsesRequest, model: string, stored: AnswerExtras['stored']): Head => ({
  id: request.continuation.responseId,
  created_at: request.createdAt,
  model,
  format: request.json ? 'json_object' : 'text',
  store: stored?.store ?? false,
  previous_response_id: stored?.previousResponseId ?? null,
});

/** An item's id: its kind's prefix and the response's own random part (one reasoning item and one message per response). */
const itemId = (h: Head, prefix: 'rs_' | 'msg_') => prefix + h.id.slice('resp_'.length);

function usage(request: ResponsesRequest, content: string, counted?: Usage) {
  const { prompt_tokens: input, completion_tokens: output } = counted ?? usageFor(request.userText, content);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

function response(h: Head, status: Status, output: object[], extra: { usage?: object; error?: object; output_text?: string } = {}) {
  return {
    id: h.id,
    object: 'response',
    created_at: h.created_at,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    metadata: {},
    model: h.model,
    output,
    parallel_tool_calls: false,
    previous_response_id: h.previous_response_id,
    reasoning: { effort: null, summary: null },
    store: h.store,
    temperature: null,
    text: { format: { type: h.format } },
    tool_choice: 'none',
    tools: [],
    top_p: null,
    truncation: 'disabled',
    usage: null,
    user: null,
    ...extra,
  };
}

const textPart = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] });

function message(id: string, status: 'in_progress' | 'completed', content: object[]) {
  return { id, type: 'message', status, role: 'assistant', content };
}

export function responsesAnswer(request: ResponsesRequest, model: string, content: string, extras: AnswerExtras = {}) {
  const h = head(request, model, extras.stored);
  const reasoning = extras.reasoning ? [{ id: itemId(h, 'rs_'), type: 'reasoning', summary: [{ type: 'summary_text', text: extras.reasoning }] }] : [];
  const output = [...reasoning, message(itemId(h, 'msg_'), 'completed', [textPart(content)])];
  // `output_text` is the spec's convenience field: the SDKs add it to a created response, not to a
  // streamed one's final snapshot, and curl users have only what is sent. So it is sent.
  return response(h, 'completed', output, { usage: usage(request, content, extras.usage), output_text: content });
}

/**
 * The event sequence of one answer: `response.created`, `response.in_progress`, then the tool's
 * progress as a reasoning item, then one message item (added, part added, text delta and done,
 * part done, item done), then `response.completed`; or `response.failed` when the call fails
 * after the stream started. Every event carries its `sequence_number`; there is no `[DONE]`.
 */
export function responsesStream(request: ResponsesRequest, model: string, sink: EventSink, stored?: AnswerExtras['stored']): AnswerStream {
  const h = head(request, model, stored);
  const output: object[] = [];
  let sequence = 0;
  let opened = false;
  let reasoning: { id: string; text: string } | undefined;

  const emit = (type: string, fields: object) => sink.send({ type, sequence_number: sequence++, ...fields }, type);
  const open = () => {
    if (opened) return;
    opened = true;
    emit('response.created', { response: response(h, 'in_progress', []) });
    emit('response.in_progress', { response: response(h, 'in_progress', []) });
  };
  const closeReasoning = () => {
    if (!reasoning) return;
    const { id, text } = reasoning;
    const at = { item_id: id, output_index: output.length, summary_index: 0 };
    emit('response.reasoning_summary_text.done', { ...at, text });
    emit('response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text } });
    const item = { id, type: 'reasoning', summary: [{ type: 'summary_text', text }] };
    emit('response.output_item.done', { output_index: output.length, item });
    output.push(item);
    reasoning = undefined;
  };

  const stream: AnswerStream = {
    progress(text) {
      open();
      if (!reasoning) {
        reasoning = { id: itemId(h, 'rs_'), text: '' };
        emit('response.output_item.added', { output_index: output.length, item: { id: reasoning.id, type: 'reasoning', summary: [] } });
        emit('response.reasoning_summary_part.added', {
          item_id: reasoning.id,
          output_index: output.length,
          summary_index: 0,
          part: { type: 'summary_text', text: '' },
        });
      }
      reasoning.text += text;
      emit('response.reasoning_summary_text.delta', { item_id: reasoning.id, output_index: output.length, summary_index: 0, delta: text });
    },
    finish(content, extras = {}) {
      open();
      closeReasoning();
      const id = itemId(h, 'msg_');
      const at = { item_id: id, output_index: output.length, content_index: 0 };
      emit('response.output_item.added', { output_index: output.length, item: message(id, 'in_progress', []) });
      emit('response.content_part.added', { ...at, part: textPart('') });
      emit('response.output_text.delta', { ...at, delta: content, logprobs: [] });
      emit('response.output_text.done', { ...at, text: content, logprobs: [] });
      emit('response.content_part.done', { ...at, part: textPart(content) });
      const item = message(id, 'completed', [textPart(content)]);
      emit('response.output_item.done', { output_index: output.length, item });
      output.push(item);
      // The store may have failed since the stream began: the last word says what happened.
      const final = extras.stored ? { ...h, store: extras.stored.store } : h;
      emit('response.completed', { response: response(final, 'completed', output, { usage: usage(request, content, extras.usage), output_text: content }) });
      sink.end(false);
    },
    fail(error) {
      // A call that may have run must not be repeated. LiteLLM's Anthropic bridge names a failure by
      // Anthropic's error types, which have none for 424, so it would retry it as a 500, unless
      // output came first: the failure is also said as reasoning (it shows as thinking there).
      if (error.status === MAY_HAVE_RUN) stream.progress(`${error.body.error.message}\n`);
      open();
      closeReasoning();
      // A failed answer is never stored.
      emit('response.failed', { response: response({ ...h, store: false }, 'failed', output, { error: failure(error) }) });
      sink.end(false);
    },
  };
  return stream;
}

/**
 * The spec's `response.error`: a code and a message. The code is the HTTP status the failure would
 * have had, as a decimal string: LiteLLM reads it as that status, and retries (or cools down) by
 * it, so a call that may have run (424) is not repeated, as with a status line.
 */
function failure({ status, body }: ErrorResponse) {
  return { code: String(status), message: body.error.message };
}
