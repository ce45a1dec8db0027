import type { Response } from 'express';
import { RequestError } from '../errors.js';
import { randomId } from '../faces/ids.js';
import type { CallRequest, Face, QuestionReply } from '../faces/index.js';
import { log } from '../log.js';
import { readAnswer } from '../questions/answer.js';
import { answersTo, type PendingQuestion, type PendingQuestions } from '../questions/pending-questions.js';
import { questionText } from '../questions/question-text.js';
import type { InputAnswers, ToolQuestion } from '../upstreams/input-required.js';
import { ownerOf } from './auth.js';

/** A reply to an open question: the question, and the answers to resume its call with. */
export interface Answered<Paused> {
  question: PendingQuestion<Paused>;
  answers: InputAnswers;
}

/**
 * The open question a request to `model` answers, with the answers its reply gives; undefined when
 * it answers none after all (a Responses request continuing from an answer that was no question,
 * a question of another model). The reply is checked before the question is taken, so a wrong one
 * leaves it open; taking it (deleting it) first means two replies cannot both resume the call.
 */
export async function replyTo<Paused, R extends CallRequest>(model: string, face: Face<R>, request: R, res: Response, questions: PendingQuestions): Promise<Answered<Paused> | undefined> {
  const { reply } = request;
  if (!reply) return undefined;
  const owner = ownerOf(res);
  const question = await questions.open<Paused>(owner, reply.id);
  if (!question) {
    if (!reply.shown && !(await questions.answered(owner, reply.id))) return undefined;
    throw closedQuestion(reply, face.place.param);
  }
  if (question.model !== model) return undefined;
  const responses = readAnswer(request.userText, question.requests, question.tool, face.place);
  if (!(await questions.claim(owner, reply.id))) throw closedQuestion(reply, face.place.param);
  return { question, answers: answersTo(question, responses) };
}

function closedQuestion({ id }: QuestionReply, param: string): RequestError {
  return new RequestError(
    `The question ${id} is no longer open: it was answered already, it expired, or it belongs to another API key. ` +
      'Nothing ran with this reply. To call the tool again, start a new conversation with its arguments.',
    param,
    'question_closed',
  );
}

/**
 * Keeps a tool's question and returns it as the assistant's words. On the Responses API the
 * question's id is the answer's own, so `previous_response_id` finds it; elsewhere a new one. A
 * question that cannot be kept is let go (an older server's held call is cancelled).
 */
export async function askPerson<R extends CallRequest>(request: R, record: PendingQuestion, question: ToolQuestion, res: Response, questions: PendingQuestions): Promise<string> {
  const id = request.continuation?.responseId ?? randomId('ask_');
  try {
    await questions.keep(ownerOf(res), id, record);
  } catch (err) {
    question.dismiss();
    throw err;
  }
  log.info('a tool asked the person a question', { model: record.model, tool: record.tool, question: id, held: question.held !== undefined });
  if (!res.headersSent) res.set('x-mcp-question', id);
  return questionText(record.tool, id, question.requests, question.held !== undefined ? { held: true } : { seconds: questions.ttlSeconds });
}
