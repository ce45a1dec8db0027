import { RequestError } from '../errors.js';
import { log } from '../log.js';
import type { StateStore } from '../state/index.js';
import type { ElicitRequestParams, InputAnswers, ToolQuestion } from '../upstreams/input-required.js';

/** A question waiting for the person's answer: enough to resume the call, on any replica for a 2026-07-28 server. */
export interface PendingQuestion<Paused = unknown> {
  /** The model the person talks to: the tool, or the agent whose tool asks. */
  model: string;
  /** The tool that asks, as the caller knows it. */
  tool: string;
  /** The tool's call arguments, sent again with the answers. */
  args: Record<string, unknown>;
  requests: Record<string, ElicitRequestParams>;
  requestState?: string;
  /** An older server's call, held open by the replica that asked. */
  held?: string;
  /** Where an agent stopped, to go on from once its tool has the answer. */
  paused?: Paused;
}

/** What a question's record is made of. */
export function pendingQuestion<Paused>(model: string, tool: string, args: Record<string, unknown>, question: ToolQuestion, paused?: Paused): PendingQuestion<Paused> {
  return { model, tool, args, requests: question.requests, ...resumedWith(question), ...(paused !== undefined ? { paused } : {}) };
}

/** The answers a reply gives, with what the call must echo to resume. */
export function answersTo(question: PendingQuestion, responses: InputAnswers['responses']): InputAnswers {
  return { responses, ...resumedWith(question) };
}

/** What a question hands on to the call that resumes it: the server's `requestState`, or the held call. */
function resumedWith({ requestState, held }: { requestState?: string; held?: string }): Pick<InputAnswers, 'requestState' | 'held'> {
  return { ...(requestState !== undefined ? { requestState } : {}), ...(held !== undefined ? { held } : {}) };
}

const QUESTION_ID = /^(?:ask|resp)_[A-Za-z0-9_-]{8,64}$/;

/** Where an answered question's mark is kept: beside it, under a key no question has. */
const answeredMark = (id: string) => `answered:${id}`;

/**
 * Tools' open questions, kept in the state store beside agents' responses (same bounds, same
 * expiry), each visible only to the API key whose call asked it. An answer claims its question by
 * deleting it, so two answers sent at once cannot both resume the call.
 */
export class PendingQuestions {
  constructor(private readonly store: StateStore) {}

  /** How long a question stays open. */
  get ttlSeconds(): number {
    return this.store.ttlSeconds;
  }

  /** Keeps a question; a failure is the caller's error (the question cannot be answered if it is not kept). */
  async keep(owner: string, id: string, record: PendingQuestion): Promise<void> {
    const { kept } = await this.store.put('question', owner, id, JSON.stringify(record));
    if (!kept) {
      throw new RequestError(
        `"${record.model}" asked a question too large to keep (over state.maxBytes), so it cannot be answered; nothing ran with it.`,
        'messages',
        'question_too_large',
      );
    }
  }

  /** The question, while it is open for `owner`. */
  async open<Paused>(owner: string, id: string): Promise<PendingQuestion<Paused> | undefined> {
    if (!QUESTION_ID.test(id)) return undefined;
    const value = await this.store.get('question', owner, id);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as PendingQuestion<Paused>;
    } catch {
      log.warn('an open question cannot be read; treated as absent', { question: id });
      return undefined;
    }
  }

  /**
   * Takes the question for one answer; false when another answer took it first. A taken question
   * leaves a mark, so that a request naming it again (the same reply sent twice on the Responses
   * API) is told it was answered, rather than read as a new call.
   */
  async claim(owner: string, id: string): Promise<boolean> {
    if (!(await this.store.delete('question', owner, id))) return false;
    await this.store.put('question', owner, answeredMark(id), '1').catch(() => undefined);
    return true;
  }

  /** Whether the question was answered (and its mark has not expired). */
  async answered(owner: string, id: string): Promise<boolean> {
    return QUESTION_ID.test(id) && (await this.store.get('question', owner, answeredMark(id))) !== undefined;
  }
}
