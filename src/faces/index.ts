import { chatAnswer, chatStream } from './chat-answer.js';
import { CHAT_PLACE, parseChatRequest, type ChatRequest } from './chat-request.js';
import { completionsAnswer, completionsStream } from './completions-answer.js';
import { COMPLETIONS_PLACE, parseCompletionsRequest, type CompletionsRequest } from './completions-request.js';
import { chatConversation, completionsConversation, responsesConversation } from './conversation.js';
import type { Face } from './face.js';
import { responsesAnswer, responsesStream } from './responses-answer.js';
import { parseResponsesRequest, RESPONSES_PLACE, type ResponsesRequest } from './responses-request.js';

export type { Conversation, Turn } from './conversation.js';
export type { AnswerExtras, AnswerStream, CallRequest, Continuation, EventSink, Face, QuestionReply } from './face.js';

/** `POST …/chat/completions`: what LiteLLM's `openai/` provider sends for `/v1/chat/completions`. */
export const CHAT: Face<ChatRequest> = {
  place: CHAT_PLACE,
  parse: parseChatRequest,
  conversation: chatConversation,
  answer: chatAnswer,
  stream: chatStream,
};

/** `POST …/responses`: LiteLLM's `/v1/responses`, and `/v1/messages` (Anthropic), which it bridges to it. */
export const RESPONSES: Face<ResponsesRequest> = {
  place: RESPONSES_PLACE,
  parse: parseResponsesRequest,
  conversation: responsesConversation,
  answer: responsesAnswer,
  stream: responsesStream,
};

/** `POST …/completions`: legacy text completions. */
export const COMPLETIONS: Face<CompletionsRequest> = {
  place: COMPLETIONS_PLACE,
  parse: parseCompletionsRequest,
  conversation: completionsConversation,
  answer: completionsAnswer,
  stream: completionsStream,
};
