import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { RequestError, UnknownResponseError } from '../errors.js';
import { log } from '../log.js';
import type { StateStore } from '../state/index.js';

/**
 * One stored response: the object as the caller got it, and the conversation the agent's LLM saw
 * up to it. An answer that asked the person a question has no conversation: only a reply to the
 * open question goes on from it (question-turn.ts), never the LLM from a copy of its words.
 */
interface StoredResponse {
  response: object;
  messages?: ChatCompletionMessageParam[];
}

/** Only ids the shim could have made are looked up: anything else is simply not there. */
const RESPONSE_ID = /^resp_[A-Za-z0-9_-]{1,64}$/;

/** An id as the message shows it: only one the shim could have made is echoed. */
const shown = (id: string) => (RESPONSE_ID.test(id) ? `"${id}"` : '(not an id this shim makes)');

const GONE = 'it is unknown, expired, evicted or deleted, was created with "store": false, or belongs to another API key';

/**
 * Agents' answers on the Responses API, kept so that `previous_response_id` continues a
 * conversation and `GET`/`DELETE /responses/{id}` find them; each visible only to the API key
 * that made it. What is kept is never logged.
 */
export class StoredResponses {
  constructor(private readonly store: StateStore) {}

  /** The conversation a request continues; an id that is not there is a 400 (a 404 would cool the model down in LiteLLM). */
  async conversation(owner: string, id: string): Promise<ChatCompletionMessageParam[]> {
    const stored = await this.read(owner, id);
    if (!stored) {
      throw new RequestError(
        `previous_response_id ${shown(id)} names no stored response for this API key: ${GONE}. ` +
          `Start over with the whole conversation in "input" and no previous_response_id.${this.hint()}`,
        'previous_response_id',
        'previous_response_not_found',
      );
    }
    if (!stored.messages) {
      // Continuing the agent from a question's words would let a resent "yes" run its tool again.
      throw new RequestError(
        `previous_response_id ${shown(id)} is an answer that asked a question, and the question is no longer open: it was answered already or it expired. ` +
          'Nothing ran with this request. To go on, start a new conversation.',
        'previous_response_id',
        'question_closed',
      );
    }
    return stored.messages;
  }

  /**
   * Keeps an answer, with the conversation to go on from (none for an answer that asked a
   * question); false when the store failed (logged without content): the answer still goes out,
   * since its tools have run, and says it was not stored.
   */
  async keep(owner: string, id: string, response: object, messages?: ChatCompletionMessageParam[]): Promise<boolean> {
    try {
      const { kept } = await this.store.put('response', owner, id, JSON.stringify({ response, messages } satisfies StoredResponse));
      if (!kept) log.warn('a response is larger than state.maxBytes and was not stored; a conversation cannot continue from it', { response: id });
      return kept;
    } catch (err) {
      log.warn('a response could not be stored; a conversation cannot continue from it', { response: id, error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  /** `GET /responses/{id}`. */
  async retrieve(owner: string, id: string): Promise<object> {
    const stored = await this.read(owner, id);
    if (!stored) throw this.unknown(id);
    return stored.response;
  }

  /** `DELETE /responses/{id}`. */
  async delete(owner: string, id: string): Promise<void> {
    if (!RESPONSE_ID.test(id) || !(await this.store.delete('response', owner, id))) throw this.unknown(id);
  }

  private async read(owner: string, id: string): Promise<StoredResponse | undefined> {
    if (!RESPONSE_ID.test(id)) return undefined;
    const value = await this.store.get('response', owner, id);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as StoredResponse;
    } catch {
      // Not written by this shim (a shared Redis): treated as absent; the parser's message would quote it.
      log.warn('a stored response cannot be read; treated as absent', { response: id });
      return undefined;
    }
  }

  private unknown(id: string): UnknownResponseError {
    return new UnknownResponseError(`No stored response ${shown(id)} for this API key: ${GONE}. Only agent models' answers are stored; a tool's never are.${this.hint()}`);
  }

  private hint(): string {
    return this.store.backend === 'memory'
      ? ' Responses are kept in the memory of the replica that made them: with several replicas, see docs/conversations.md.'
      : '';
  }
}
