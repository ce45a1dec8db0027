import { usageFor } from '../openai/usage.js';
import type { CompletionsRequest } from './completions-request.js';
import type { AnswerExtras, AnswerStream, EventSink } from './face.js';
import { randomId, unixSeconds } from './ids.js';

/** `text_completion` objects, as OpenAI's legacy completions endpoint shapes them. */

export function completionsAnswer(request: CompletionsRequest, model: string, content: string, extras: AnswerExtras = {}) {
  return {
    ...header(model),
    choices: [{ text: content, index: 0, logprobs: null, finish_reason: 'stop' }],
    usage: extras.usage ?? usageFor(request.userText, content),
  };
}

/**
 * The answer as one text chunk, a stop chunk, the usage chunk when asked for, `[DONE]`. Legacy
 * completions have no place for reasoning: progress is not shown (keep-alives still flow).
 */
export function completionsStream(request: CompletionsRequest, model: string, sink: EventSink): AnswerStream {
  const head = header(model);
  const choice = (text: string, finishReason: 'stop' | null) => ({ ...head, choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }] });
  return {
    progress: () => undefined,
    finish(content, extras = {}) {
      sink.send(choice(content, null));
      sink.send(choice('', 'stop'));
      if (request.includeUsage) sink.send({ ...head, choices: [], usage: extras.usage ?? usageFor(request.userText, content) });
      sink.end(true);
    },
    fail({ body }) {
      sink.send(body);
      sink.end(true);
    },
  };
}

function header(model: string) {
  return { id: randomId('cmpl-'), object: 'text_completion', created: unixSeconds(), model, system_fingerprint: null };
}
