import type { Response } from 'express';
import { RequestError } from '../../errors.js';
import { randomId } from '../../faces/ids.js';
import type { CallRequest, Face, QuestionReply } from '../../faces/index.js';
import { argumentsForCall, callOrAsk } from '../../invoke.js';
import type { Llm } from '../../llm/client.js';
import { log } from '../../log.js';
import { readAnswer } from '../../questions/answer.js';
import type { PendingQuestions } from '../../questions/pending-questions.js';
import { questionText } from '../../questions/question-text.js';
import type { RegisteredTool } from '../../registry.js';
import { renderAnswer } from '../../render/answer.js';
import { confirmationAnswer, withDerivedArguments } from '../../render/derived.js';
import { renderProgress } from '../../render/result.js';
import { isRetrySafe } from '../../retry-safety.js';
import { ToolQuestion, type InputAnswers } from '../../upstreams/input-required.js';
import type { CallToolResult } from '../../upstreams/types.js';
import { abortOnClientClose } from '../abort.js';
import { ownerOf } from '../auth.js';
import { EventStream } from '../event-stream.js';
import { failStream } from '../stream-failure.js';

export interface ToolCallContext {
  keepAliveMs: number;
  llm?: Llm;
  questions: PendingQuestions;
}

/** What a call is sent with. */
interface Call {
  args: Record<string, unknown>;
  /** Derived by the LLM from plain text: shown with the answer. */
  derived?: Record<string, unknown>;
  /** The person's answers to the tool's question: the call resumes with them. */
  answers?: InputAnswers;
}

/**
 * A call to a tool through one face: arguments from the face's text, or, when the request answers
 * the tool's question, that question's call resumed with the answer. A tool that asks is answered
 * with its question as an assistant turn, kept in the state store until the person's reply.
 */
export async function toolCall<R extends CallRequest>(tool: RegisteredTool, face: Face<R>, request: R, res: Response, { keepAliveMs, llm, questions }: ToolCallContext): Promise<void> {
  const signal = abortOnClientClose(res);
  const owner = ownerOf(res);
  const call: Call = (request.reply && (await answerCall(tool, face, request, request.reply, owner, questions))) ?? (await argumentsForCall(tool, request.userText, face.place, llm, signal));
  log.debug('tool arguments', { tool: tool.name, arguments: call.args, derived: call.derived !== undefined, answers: call.answers !== undefined });
  const { derived } = call;
  if (derived && !isRetrySafe(tool.definition) && tool.policy?.confirm !== false) {
    answerWith(face, request, tool.name, confirmationAnswer(tool, derived), res, keepAliveMs);
    return;
  }
  // A derived call shows what it ran with, unless the caller asked for one JSON document.
  const render = (result: CallToolResult) => {
    const answer = renderAnswer(result, tool, request.json);
    return derived && !request.json ? withDerivedArguments(tool, derived, answer) : answer;
  };
  const ask = (question: ToolQuestion) => askPerson(tool, face, request, call.args, question, owner, questions, res);

  if (!request.stream) {
    const answer = await callOrAsk(tool, call.args, { signal, ...(call.answers ? { answers: call.answers } : {}) });
    if (answer instanceof ToolQuestion) {
      res.json(face.answer(request, tool.name, await ask(answer)));
      return;
    }
    if (answer.isError) res.set('x-mcp-tool-error', 'true');
    res.json(face.answer(request, tool.name, render(answer)));
    return;
  }

  const events = new EventStream(res, keepAliveMs);
  const stream = face.stream(request, tool.name, events);
  let content: string;
  try {
    // Progress opens the stream early, as reasoning: the LiteLLM UI shows a long tool is alive.
    const onProgress = (progress: Parameters<typeof renderProgress>[0]) => stream.progress(renderProgress(progress));
    const answer = await callOrAsk(tool, call.args, { signal, onProgress, ...(call.answers ? { answers: call.answers } : {}) });
    if (answer instanceof ToolQuestion) content = await ask(answer);
    else {
      if (answer.isError && !events.started) res.set('x-mcp-tool-error', 'true');
      content = render(answer);
    }
  } catch (err) {
    failStream(err, events, stream, res);
    return;
  }
  stream.finish(content);
}

/**
 * The call a request resumes when it answers the tool's open question; undefined when it is no
 * answer after all (a Responses request continuing from an answer that was not a question, or a
 * question of another tool). The reply is checked before the question is taken, so a wrong one
 * leaves it open; taking it first means two replies cannot both resume the call.
 */
async function answerCall<R extends CallRequest>(tool: RegisteredTool, face: Face<R>, request: R, reply: QuestionReply, owner: string, questions: PendingQuestions): Promise<Call | undefined> {
  const question = await questions.open(owner, reply.id);
  if (!question) {
    if (!reply.shown) return undefined;
    throw closedQuestion(reply.id, face.place.param);
  }
  if (question.tool !== tool.name) return undefined;
  const responses = readAnswer(request.userText, question.requests, tool.name, face.place);
  if (!(await questions.claim(owner, reply.id))) throw closedQuestion(reply.id, face.place.param);
  const answers: InputAnswers = {
    responses,
    ...(question.requestState !== undefined ? { requestState: question.requestState } : {}),
    ...(question.held !== undefined ? { held: question.held } : {}),
  };
  return { args: question.args, answers };
}

function closedQuestion(id: string, param: string): RequestError {
  return new RequestError(
    `The question ${id} is no longer open: it was answered already, it expired, or it belongs to another API key. ` +
      'Nothing ran with this reply. To call the tool again, start a new conversation with its arguments.',
    param,
    'question_closed',
  );
}

/**
 * Keeps the tool's question and returns it as the assistant's words. On the Responses API the
 * question's id is the answer's own, so `previous_response_id` finds it; elsewhere a new one.
 */
async function askPerson<R extends CallRequest>(
  tool: RegisteredTool,
  face: Face<R>,
  request: R,
  args: Record<string, unknown>,
  question: ToolQuestion,
  owner: string,
  questions: PendingQuestions,
  res: Response,
): Promise<string> {
  const id = request.continuation?.responseId ?? randomId('ask_');
  try {
    await questions.keep(owner, id, tool.name, args, question);
  } catch (err) {
    question.dismiss();
    throw err;
  }
  log.info('tool asked the person a question', { tool: tool.name, question: id, held: question.held !== undefined });
  if (!res.headersSent) res.set('x-mcp-question', id);
  return questionText(tool.name, id, question.requests, question.held !== undefined ? { held: true } : { seconds: questions.ttlSeconds });
}

/** An answer that is not a tool's result (a health probe, a confirmation), streamed or not as asked. */
export function answerWith<R extends CallRequest>(face: Face<R>, request: R, model: string, content: string, res: Response, keepAliveMs: number): void {
  if (request.stream) face.stream(request, model, new EventStream(res, keepAliveMs)).finish(content);
  else res.json(face.answer(request, model, content));
}
