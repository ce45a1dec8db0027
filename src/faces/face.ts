import type { ArgumentsPlace } from '../openai/arguments.js';
import type { ErrorResponse } from '../openai/errors.js';
import type { Usage } from '../openai/usage.js';
import type { Conversation } from './conversation.js';

/**
 * A face is one wire format a model is called through (chat completions, the Responses API,
 * legacy completions). Each parses its request into the same neutral call and formats the same
 * rendered answer back; finding the tool, arguments, policy, limits and errors live below, once.
 */

/** The neutral call every face reads from its request. */
export interface CallRequest {
  /** `body.model` with any `openai/` prefix removed (the `/tools/:name/…` routes name the tool instead). */
  model: string | undefined;
  /** The text that holds the arguments: the last user message, input or prompt. */
  userText: string;
  stream: boolean;
  /** LiteLLM's health check, to be answered without running the tool. */
  healthProbe: boolean;
  /** The caller asked for one JSON document (`response_format` / `text.format`: `json_object` or `json_schema`). */
  json: boolean;
  /** Only in formats whose answers can be stored and continued (the Responses API). */
  continuation?: Continuation;
  /** The tool's question this request may answer (see questions/marker.ts). */
  reply?: QuestionReply;
}

/**
 * A request that follows a tool's question. `shown`: the conversation holds the question, so it
 * must still be open; otherwise (a Responses `previous_response_id`) the request answers it only
 * if it is one.
 */
export interface QuestionReply {
  id: string;
  shown: boolean;
}

/** A Responses request's side of stored responses; only agents' answers are stored. */
export interface Continuation {
  /** The id this request's answer has (`resp_…`). */
  responseId: string;
  /** `store`, true unless the request says false: keep the answer, so a later request can continue from it. */
  store: boolean;
  /** The stored response this request continues from. */
  previousResponseId?: string;
}

/** What an answer may carry beside its content (an agent's steps and the LLM's own usage). */
export interface AnswerExtras {
  /** Text shown as reasoning, where the format has a place for it (non-streamed answers). */
  reasoning?: string;
  /** Token counts to report instead of the estimate from the text. */
  usage?: Usage;
  /** What happened to the answer, where the format says so (a Responses agent answer); unset, nothing was stored or continued. */
  stored?: { store: boolean; previousResponseId?: string };
}

/** Where a streamed answer's events go (the HTTP layer's `EventStream`). */
export interface EventSink {
  /** `event` names the event's type on an `event:` line, where the format has one. */
  send(data: object, event?: string): void;
  end(doneMarker: boolean): void;
}

/** One streamed answer. `finish` and `fail` end the stream. */
export interface AnswerStream {
  /** A line of tool progress, shown as reasoning where the format has it. */
  progress(text: string): void;
  finish(content: string, extras?: AnswerExtras): void;
  /**
   * The call failed after the stream started: the format's own failure event. Headers are gone;
   * the status the failure would have had travels in the event where the format has room for it.
   */
  fail(error: ErrorResponse): void;
}

export interface Face<R extends CallRequest = CallRequest> {
  /** Where this format carries the arguments, for error messages. */
  readonly place: ArgumentsPlace;
  parse(body: unknown): R;
  /** The whole conversation, for agent models (tools read only the user text). */
  conversation(body: unknown): Conversation;
  /** The whole answer as a JSON body. */
  answer(request: R, model: string, content: string, extras?: AnswerExtras): object;
  /** `stored` says, from its first event, what the store does with the answer (see AnswerExtras). */
  stream(request: R, model: string, sink: EventSink, stored?: AnswerExtras['stored']): AnswerStream;
}
