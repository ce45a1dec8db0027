import type { Response } from 'express';

/**
 * Server-sent events for a streamed answer. Headers go out lazily, at the first event or
 * keep-alive, so a call that fails fast still gets a proper HTTP error status.
 */
export class EventStream {
  private timer: NodeJS.Timeout;
  private opened = false;
  /** Events written in this tick, sent together at its end: an answer is several events, and each write has its cost. */
  private pending = '';

  constructor(
    private readonly res: Response,
    keepAliveMs: number,
  ) {
    // Comments keep LiteLLM's and proxies' read timeouts from firing while a slow tool runs.
    this.timer = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    this.timer.unref();
  }

  get started(): boolean {
    return this.opened;
  }

  /** One event; `event` names its type on an `event:` line, as the Responses API does. */
  send(data: object, event?: string): void {
    this.write(event === undefined ? `data: ${JSON.stringify(data)}\n\n` : `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream, after `data: [DONE]` where the wire format has one (chat, completions). */
  end(doneMarker: boolean): void {
    this.stop();
    if (doneMarker) this.write('data: [DONE]\n\n');
    const rest = this.pending;
    this.pending = '';
    if (!this.res.writableEnded) this.res.end(rest);
  }

  /** Stops keep-alives without writing anything (the response is handled elsewhere). */
  stop(): void {
    clearInterval(this.timer);
  }

  private write(text: string): void {
    if (this.res.writableEnded || this.res.destroyed) return;
    if (!this.opened) {
      this.res.status(200).set({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      // No flushHeaders(): the headers leave with the first write, at the end of this tick (one
      // write instead of two).
      this.opened = true;
    }
    if (this.pending === '') process.nextTick(this.flush);
    this.pending += text;
  }

  private readonly flush = (): void => {
    if (this.pending === '' || this.res.writableEnded || this.res.destroyed) return;
    this.res.write(this.pending);
    this.pending = '';
  };
}
