import { usageFor, type Usage } from '../openai/usage.js';
import type { ChatRequest } from './chat-request.js';
import type { AnswerExtras, AnswerStream, EventSink } from './face.js';
import { randomId, unixSeconds } from './ids.js';

/** `chat.completion` and `chat.completion.chunk` objects, exactly as OpenAI shapes them. */

interface Meta {
  id: string;
  created: number;
  model: string;
}

const meta = (model: string): Meta => ({ id: randomId('chatcmpl-'), created: unixSeconds(), model });

export function chatAnswer(request: ChatRequest, model: string, content: string, extras: AnswerExtras = {}) {
  const { id, created } = meta(model);
  const message = { role: 'assistant', content, refusal: null, ...(extras.reasoning ? { reasoning_content: extras.reasoning } : {}) };
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }],
    usage: extras.usage ?? usageFor(request.userText, content),
    system_fingerprint: null,
  };
}

/**
 * Progress goes out as `reasoning_content` deltas (the LiteLLM UI shows them in its reasoning
 * panel); the answer is one content delta, a stop chunk, the usage chunk when asked for, `[DONE]`.
 */
export function chatStream(request: ChatRequest, model: string, sink: EventSink): AnswerStream {
  const m = meta(model);
  return {
    progress: (text) => sink.send(chunk(m, { reasoning_content: text })),
    finish(content, extras = {}) {
      sink.send(chunk(m, { role: 'assistant', content: '' }));
      sink.send(chunk(m, { content }));
      sink.send(chunk(m, {}, 'stop'));
      if (request.includeUsage) sink.send(usageChunk(m, extras.usage ?? usageFor(request.userText, content)));
      sink.end(true);
    },
    fail({ body }) {
      // Headers are gone: the error travels as a last event, which the openai clients raise.
      sink.send(body);
      sink.end(true);
    },
  };
}

/** `reasoning_content` is where OpenAI-compatible servers put intermediate text (tool progress here). */
type Delta = { role?: 'assistant'; content?: string; reasoning_content?: string };

function chunk(m: Meta, delta: Delta, finishReason: 'stop' | null = null) {
  return {
    id: m.id,
    object: 'chat.completion.chunk',
    created: m.created,
    model: m.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    system_fingerprint: null,
  };
}

/** The chunk `stream_options.include_usage` asks for: empty `choices`, `usage` filled. */
function usageChunk(m: Meta, usage: Usage) {
  return { id: m.id, object: 'chat.completion.chunk', created: m.created, model: m.model, choices: [], usage, system_fingerprint: null };
}
