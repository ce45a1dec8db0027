import Transport from 'winston-transport';

/** winston's key for an entry's finished line (triple-beam's MESSAGE symbol). */
export const MESSAGE = Symbol.for('message');

/**
 * Writes log lines to stderr, the lines of one event-loop turn in one write. Under load several
 * requests finish per turn, and winston's console transport spends a write and a setImmediate
 * on each line. Writes to stderr are synchronous on Linux (files, pipes and terminals alike), so
 * a line is at most one turn late, and the last ones are written on exit.
 */
export class StderrLines extends Transport {
  private pending = '';
  private readonly flush = (): void => {
    const lines = this.pending;
    this.pending = '';
    if (lines) process.stderr.write(lines);
  };

  constructor(options: Transport.TransportStreamOptions = {}) {
    super(options);
    process.once('exit', this.flush);
  }

  override log(info: Record<symbol, unknown>, next: () => void): void {
    if (this.pending === '') setImmediate(this.flush);
    this.pending += `${info[MESSAGE] as string}\n`;
    next();
  }

  override close(): void {
    this.flush();
    process.off('exit', this.flush);
  }
}
