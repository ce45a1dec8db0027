import type { Response } from 'express';
import type { CallRequest, Face } from '../../faces/index.js';
import { argumentsForCall, callOrAsk } from '../../invoke.js';
import type { Llm } from '../../llm/client.js';
import { log } from '../../log.js';
import { pendingQuestion, type PendingQuestions } from '../../questions/pending-questions.js';
import type { RegisteredTool } from '../../registry.js';
import { renderAnswer } from '../../render/answer.js';
import { confirmationAnswer, withDerivedArguments } from '../../render/derived.js';
import { renderProgress } from '../../render/result.js';
import { isRetrySafe } from '../../retry-safety.js';
import { ToolQuestion, type InputAnswers } from '../../upstreams/input-required.js';
import type { CallToolResult } from '../../upstreams/types.js';
import { abortOnClientClose } from '../abort.js';
import { EventStream } from '../event-stream.js';
import { askPerson, replyTo } from '../question-turn.js';
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
  const abort = abortOnClientClose(res);
  const { signal } = abort;
  const answered = request.reply ? await replyTo(tool.name, face, request, res, questions) : undefined;
  const call: Call = answered ? { args: answered.question.args, answers: answered.answers } : await argumentsForCall(tool, request.userText, face.place, llm, signal);
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
  /** The words sent back: the tool's result, rendered, or its question, kept until the reply. */
  const contentOf = async (answer: CallToolResult | ToolQuestion, started: boolean): Promise<string> => {
    if (answer instanceof ToolQuestion) {
      answer.stopsWith(() => abort.abort());
      return askPerson(request, pendingQuestion(tool.name, tool.name, call.args, answer), answer, res, questions);
    }
    if (answer.isError && !started) res.set('x-mcp-tool-error', 'true');
    return render(answer);
  };

  if (!request.stream) {
    const answer = await callOrAsk(tool, call.args, { signal, answers: call.answers });
    res.json(face.answer(request, tool.name, await contentOf(answer, false)));
    return;
  }

  const events = new EventStream(res, keepAliveMs);
  const stream = face.stream(request, tool.name, events);
  let content: string;
  try {
    // Progress opens the stream early, as reasoning: the LiteLLM UI shows a long tool is alive.
    const onProgress = (progress: Parameters<typeof renderProgress>[0]) => stream.progress(renderProgress(progress));
    const answer = await callOrAsk(tool, call.args, { signal, onProgress, answers: call.answers });
    content = await contentOf(answer, events.started);
  } catch (err) {
    failStream(err, events, stream, res);
    return;
  }
  stream.finish(content);
}

/** An answer that is not a tool's result (a health probe, a confirmation), streamed or not as asked. */
export function answerWith<R extends CallRequest>(face: Face<R>, request: R, model: string, content: string, res: Response, keepAliveMs: number): void {
  if (request.stream) face.stream(request, model, new EventStream(res, keepAliveMs)).finish(content);
  else res.json(face.answer(request, model, content));
}
