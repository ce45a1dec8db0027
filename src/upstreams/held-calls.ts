import { randomBytes } from 'node:crypto';
import { log } from '../log.js';
import { ToolQuestion, type ElicitRequestParams, type ElicitResult } from './input-required.js';
import type { Progress } from './types.js';

/** What an older server is told when its question goes no further: nobody will answer it. */
const CANCELLED: ElicitResult = { action: 'cancel' };

/** One call in flight: where a question the server asks during it goes. */
interface Slot {
  /** The call itself, settled when the server answers it (or it fails). */
  pending?: Promise<unknown>;
  /** Where the call's progress goes: to whoever waits on it now (the reply, once resumed). */
  onProgress?: (progress: Progress) => void;
  /** Set while somebody waits on the call: hands them the question. */
  asked?: (question: ToolQuestion) => void;
  /** The question's answer, once asked: the server's `elicitation/create` waits on it. */
  respond?: (answer: ElicitResult) => void;
  /** Aborts the signal the call was sent with (its first request's, long answered once it is held). */
  abort?: () => void;
}

/**
 * Calls an older-era server holds open at its question (`elicitation/create`, sent while the tool
 * runs). The caller gets the question at once; the call stays open here, under an id, until the
 * answer comes (`resume`), the server stops waiting, the call ends by its time limit, or the
 * connection goes. Written here because the SDK answers such a request inside the call, through
 * a handler, and the answer comes in a later HTTP request.
 *
 * The protocol does not say which call a question belongs to (on stdio nothing links them), so a
 * question goes to the one call in flight on the connection that is not already held at one; with
 * several such calls it is cancelled, rather than asked of a person who did not make the call.
 */
export class HeldCalls {
  private readonly inFlight = new Set<Slot>();
  private readonly held = new Map<string, Slot>();

  constructor(
    private readonly upstream: string,
    /** The most calls held at once: unanswered questions must not hold a server's calls without end. */
    private readonly maxHeld: number,
  ) {}

  /** `send`'s result, or the question the server asks before it answers; `send` reports progress to `progress`. */
  run<R>(send: (progress: (progress: Progress) => void) => Promise<R>, onProgress?: (progress: Progress) => void): Promise<R | ToolQuestion> {
    const slot: Slot = { onProgress };
    this.inFlight.add(slot);
    const pending = send((progress) => slot.onProgress?.(progress));
    slot.pending = pending;
    // One promise per call on the way through: this runs for every call to an MCP server.
    return new Promise<R | ToolQuestion>((resolve, reject) => {
      slot.asked = resolve;
      pending.then(
        (result) => {
          this.ended(slot);
          resolve(result);
        },
        (err: unknown) => {
          this.ended(slot);
          reject(err);
        },
      );
    });
  }

  /**
   * Resumes the call held under `id` with the person's answer: its result, or its next question.
   * From now on its progress goes to `onProgress`, and `signal` (the reply's) cancels it.
   */
  resume<R>(id: string, answer: ElicitResult, onProgress?: (progress: Progress) => void, signal?: AbortSignal): Promise<R | ToolQuestion> | undefined {
    const slot = this.held.get(id);
    const respond = slot?.respond;
    if (!slot || !respond) return undefined;
    this.held.delete(id);
    slot.respond = undefined;
    slot.onProgress = onProgress;
    const stop = () => slot.abort?.();
    const next = new Promise<R | ToolQuestion>((resolve, reject) => {
      const settle = <T>(to: (value: T) => void) => (value: T) => {
        signal?.removeEventListener('abort', stop);
        to(value);
      };
      slot.asked = settle(resolve);
      (slot.pending as Promise<R>).then(settle(resolve), settle(reject));
    });
    signal?.addEventListener('abort', stop, { once: true });
    respond(answer);
    return next;
  }

  /** The `elicitation/create` handler: asks through the one call in flight, if there is one. */
  ask(params: ElicitRequestParams, signal: AbortSignal): Promise<ElicitResult> {
    // A call already held at a question is waiting on it, not asking another.
    const waiting = [...this.inFlight].filter((slot) => slot.asked && !slot.respond);
    const [slot, ...others] = waiting;
    if (!slot || others.length > 0) {
      log.warn('upstream asked a question that belongs to no single waiting call; it was cancelled', { upstream: this.upstream, callsInFlight: this.inFlight.size });
      return Promise.resolve(CANCELLED);
    }
    if (this.held.size >= this.maxHeld) {
      log.warn('upstream asked a question while as many calls as it may run wait for answers; it was cancelled', { upstream: this.upstream, held: this.held.size });
      return Promise.resolve(CANCELLED);
    }
    const id = `held_${randomBytes(12).toString('hex')}`;
    return new Promise<ElicitResult>((resolve) => {
      slot.respond = resolve;
      this.held.set(id, slot);
      // The server stopped waiting (its own time limit): the question is gone.
      signal.addEventListener('abort', () => this.release(id, slot), { once: true });
      const asked = slot.asked!;
      slot.asked = undefined;
      // Only the first request's abort reaches the call: a later question's request did not send it.
      const stopsWith = (abort: () => void) => (slot.abort ??= abort);
      asked(new ToolQuestion({ elicitation: params }, undefined, id, () => this.release(id, slot), stopsWith));
    });
  }

  /** The call ended (answered, timed out, connection lost): a question still held is cancelled. */
  private ended(slot: Slot): void {
    this.inFlight.delete(slot);
    slot.asked = undefined;
    for (const [id, holder] of this.held) if (holder === slot) this.release(id, slot);
  }

  /** Lets a held question go unanswered: the server is told it was cancelled. */
  private release(id: string, slot: Slot): void {
    if (this.held.get(id) !== slot) return;
    this.held.delete(id);
    const respond = slot.respond;
    slot.respond = undefined;
    respond?.(CANCELLED);
  }
}
