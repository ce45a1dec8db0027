/**
 * Reads one JSON value from bytes that arrive in chunks and keeps only what an answer can use:
 * a string keeps its first `maxStringBytes`, and once `keepBytes` are kept, further array
 * elements are skipped. Object members are never skipped (a result part without its `type`, or a
 * message without its `id`, would be no message at all), so what is kept stays valid JSON of the
 * same shape, only shorter. Time is linear in the input and memory bounded by what is kept.
 *
 * `scope` says where cutting may happen: `anywhere` (a REST call's body is all result), or only in
 * a JSON-RPC message's `result.content` and `result.structuredContent`, the parts of a tool call's
 * result that answers show: a large tool list or server description is kept whole.
 *
 * Written here rather than taken from npm: the streaming JSON parsers there build every value
 * (the memory this exists to save) and run at tens of MB/s; this is a byte scanner that copies
 * the ranges it keeps, and it also picks out the message's top-level `id` wherever it appears.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

const enum State {
  Value,
  Key,
  Colon,
  After,
  String,
  Scalar,
  Done,
}

interface Frame {
  array: boolean;
  /** Elements are being skipped (the budget ran out): only the closing bracket is kept. */
  skipping: boolean;
  /** No element or member has started yet (the next one needs no comma). */
  empty: boolean;
}

/** What the cutter read: the kept JSON, whether anything was left out, and the top-level `id`. */
export interface CutJson {
  json: string;
  cut: boolean;
  /** The top-level object's `id` (a number or string), wherever it appeared in the message. */
  id?: string | number;
  /** The top-level object has a `method`: a request or notification, not a response. */
  hasMethod: boolean;
}

const MAX_CAPTURE_BYTES = 256;

/** Where a cutter may leave things out (see above). */
export type CutScope = 'anywhere' | 'tool-result';

/** The members of a tool call's result that may be cut, under the message's `result`. */
const CUTTABLE_RESULT_MEMBERS = new Set(['content', 'structuredContent']);
/** Keys are tracked in the two outermost objects: the message, and its `result`. */
const TRACKED_DEPTH = 2;

export class JsonCutter {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  /** Where the run being kept started in the current chunk, or -1. */
  private keepStart = -1;
  private readonly stack: Frame[] = [];
  /** Depth of the frame whose elements are skipped, or -1: nothing inside it is kept. */
  private skipDepth = -1;
  /** Containers open inside the skipped elements (counted, not stacked: nothing in them matters). */
  private skipNested = 0;
  private state = State.Value;
  private stringIsKey = false;
  private stringBytes = 0;
  private stringCut = false;
  private escaped = false;
  private hexLeft = 0;
  private discarding = false;
  private anyCut = false;
  /** The current member's key in the two outermost objects (`id`, `result`; `content`). */
  private readonly keys: (string | undefined)[] = [];
  /** Bytes of a tracked key while it is read. */
  private keyBytes: number[] | undefined;
  /** Raw bytes of the top-level `id` value while it is read. */
  private capture: number[] | undefined;
  private idBytes: number[] | undefined;
  private hasMethod = false;

  constructor(
    private readonly maxStringBytes: number,
    private readonly keepBytes: number,
    private readonly scope: CutScope = 'anywhere',
  ) {}

  /** Keeps nothing more (the message is over its size limit); the `id` is still looked for. */
  discard(): void {
    this.discarding = true;
    this.keepStart = -1;
  }

  write(buf: Buffer, start = 0, end = buf.length): void {
    this.keepStart = this.keeping() ? start : -1;
    let i = start;
    while (i < end) {
      switch (this.state) {
        case State.String:
          i = this.inString(buf, i, end);
          break;
        case State.Scalar:
          i = this.inScalar(buf, i, end);
          break;
        default:
          i = this.skipDepth === -1 ? this.structural(buf, i) : this.skipped(buf, i, end);
      }
    }
    this.flush(buf, end);
  }

  end(): CutJson {
    const json = Buffer.concat(this.kept, this.keptBytes).toString('utf8');
    let id: string | number | undefined;
    if (this.idBytes) {
      try {
        const value: unknown = JSON.parse(Buffer.from(this.idBytes).toString('utf8'));
        if (typeof value === 'string' || typeof value === 'number') id = value;
      } catch {
        // An id that is not a JSON string or number answers nothing of ours.
      }
    }
    return { json, cut: this.anyCut || this.discarding, id, hasMethod: this.hasMethod };
  }

  /** Whether the value at the current position may be cut. */
  private mayCut(): boolean {
    if (this.scope === 'anywhere') return true;
    return this.stack.length > TRACKED_DEPTH && this.keys[0] === 'result' && CUTTABLE_RESULT_MEMBERS.has(this.keys[1] ?? '');
  }

  /** Whether bytes at the current position are kept. */
  private keeping(): boolean {
    return !this.discarding && this.skipDepth === -1 && !this.stringCut;
  }

  private flush(buf: Buffer, at: number): void {
    if (this.keepStart === -1) return;
    if (at > this.keepStart) {
      // A copy: a slice would keep the whole chunk it came from alive.
      const run = Buffer.from(buf.subarray(this.keepStart, at));
      this.kept.push(run);
      this.keptBytes += run.length;
    }
    this.keepStart = -1;
  }

  private resumeKeeping(at: number): void {
    if (this.keepStart === -1 && this.keeping()) this.keepStart = at;
  }

  /** Bytes kept so far, counting the run under way. */
  private keptSoFar(at: number): number {
    return this.keptBytes + (this.keepStart === -1 ? 0 : at - this.keepStart);
  }

  /** One byte outside strings and scalars; returns the next position. */
  private structural(buf: Buffer, i: number): number {
    const b = buf[i]!;
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return i + 1;
    const frame = this.stack[this.stack.length - 1];
    switch (this.state) {
      case State.Value:
        if (frame?.array && frame.empty) {
          if (b === CLOSE_ARRAY) return this.close(i);
          this.elementStarts(buf, i, frame);
          // Out of budget: this element is read as a skipped one.
          if (this.skipDepth !== -1) return i;
        }
        this.valueStarts(b);
        return i + 1;
      case State.Key:
        if (b === CLOSE_OBJECT) return this.close(i);
        if (frame) frame.empty = false;
        this.stringIsKey = true;
        this.startString();
        this.keyBytes = this.stack.length <= TRACKED_DEPTH ? [] : undefined;
        return i + 1;
      case State.Colon:
        if (b === COLON) this.state = State.Value;
        return i + 1;
      case State.After:
        if (b === COMMA && frame) {
          if (frame.array) {
            this.state = State.Value;
            this.elementStarts(buf, i, frame);
          } else {
            this.state = State.Key;
          }
          return i + 1;
        }
        if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) return this.close(i);
        return i + 1;
      default:
        // After the value: anything else is not ours to judge (the parser will).
        return i + 1;
    }
  }

  /** An array element starts at `i` (its comma, or the first byte of the first element). */
  private elementStarts(buf: Buffer, i: number, frame: Frame): void {
    frame.empty = false;
    if (!this.keeping() || this.keptSoFar(i) < this.keepBytes || !this.mayCut()) return;
    // Out of budget: this element and the rest are left out; the closing bracket is kept.
    this.flush(buf, i);
    frame.skipping = true;
    this.skipDepth = this.stack.length;
    this.anyCut = true;
  }

  private valueStarts(b: number): void {
    const top = this.stack.length === 1 && !this.stack[0]!.array;
    if (top && this.keys[0] === 'id') this.capture = [];
    if (top && this.keys[0] === 'method') this.hasMethod = true;
    if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (this.stack.length < TRACKED_DEPTH) this.keys[this.stack.length] = undefined;
      this.stack.push({ array: b === OPEN_ARRAY, skipping: false, empty: true });
      this.state = b === OPEN_ARRAY ? State.Value : State.Key;
      this.capture = undefined;
      return;
    }
    this.capture?.push(b);
    if (b === QUOTE) {
      this.stringIsKey = false;
      this.startString();
    } else {
      this.state = State.Scalar;
    }
  }

  private startString(): void {
    this.state = State.String;
    this.stringBytes = 0;
    this.stringCut = false;
    this.escaped = false;
    this.hexLeft = 0;
  }

  private close(i: number): number {
    const frame = this.stack.pop();
    if (frame?.skipping) {
      // The skipped elements end here; the bracket itself is kept.
      this.skipDepth = -1;
      this.resumeKeeping(i);
    }
    this.state = this.stack.length === 0 ? State.Done : State.After;
    return i + 1;
  }

  /**
   * Between skipped elements only strings and brackets matter, until the skipping frame's own
   * closing bracket: a tight loop, since most of a large structured result is skipped.
   */
  private skipped(buf: Buffer, i: number, end: number): number {
    for (; i < end; i += 1) {
      const b = buf[i]!;
      if (b === QUOTE) {
        // Read as a key: nothing kept, nothing captured.
        this.stringIsKey = true;
        this.keyBytes = undefined;
        this.startString();
        return i + 1;
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
        this.skipNested += 1;
      } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        if (this.skipNested === 0) return this.close(i);
        this.skipNested -= 1;
      }
    }
    return end;
  }

  /** Inside a string: up to its closing quote, cutting it at `maxStringBytes` when kept. */
  private inString(buf: Buffer, i: number, end: number): number {
    const capture = this.stringIsKey ? this.keyBytes : this.capture;
    const watching = this.keeping() && !this.stringIsKey && this.mayCut();
    if (!capture && !watching) return this.skipString(buf, i, end);
    for (; i < end; i += 1) {
      const b = buf[i]!;
      if (capture && capture.length < MAX_CAPTURE_BYTES) capture.push(b);
      if (watching && !capture && this.stringBytes >= this.maxStringBytes && !this.escaped && this.hexLeft === 0 && (b & 0xc0) !== 0x80 && b !== QUOTE) {
        // A character boundary outside any escape: the rest of the string is left out.
        this.flush(buf, i);
        this.stringCut = true;
        this.anyCut = true;
        return this.skipString(buf, i, end);
      }
      this.stringBytes += 1;
      if (this.hexLeft > 0) {
        this.hexLeft -= 1;
      } else if (this.escaped) {
        this.escaped = false;
        if (b === 0x75) this.hexLeft = 4;
      } else if (b === BACKSLASH) {
        this.escaped = true;
      } else if (b === QUOTE) {
        return this.stringEnds(i);
      }
    }
    return end;
  }

  /** The part of a string that is not kept: only its end matters. */
  private skipString(buf: Buffer, i: number, end: number): number {
    let escaped = this.escaped;
    for (; i < end; i += 1) {
      const b = buf[i]!;
      if (escaped) escaped = false;
      else if (b === BACKSLASH) escaped = true;
      else if (b === QUOTE) {
        this.escaped = false;
        this.hexLeft = 0;
        return this.stringEnds(i);
      }
    }
    this.escaped = escaped;
    this.hexLeft = 0;
    return end;
  }

  private stringEnds(i: number): number {
    if (this.stringCut) {
      this.stringCut = false;
      this.resumeKeeping(i);
    }
    if (this.stringIsKey) {
      this.state = State.Colon;
      if (this.keyBytes) {
        // Without the closing quote, captured with the key; escapes are not decoded (no key we look for has one).
        this.keys[this.stack.length - 1] = String.fromCharCode(...this.keyBytes.slice(0, -1));
        this.keyBytes = undefined;
      }
    } else {
      this.valueEnds();
    }
    return i + 1;
  }

  private inScalar(buf: Buffer, i: number, end: number): number {
    for (; i < end; i += 1) {
      const b = buf[i]!;
      if (b === COMMA || b === CLOSE_ARRAY || b === CLOSE_OBJECT || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        this.valueEnds();
        return i;
      }
      this.capture?.push(b);
    }
    return end;
  }

  private valueEnds(): void {
    if (this.capture) {
      this.idBytes = this.capture;
      this.capture = undefined;
    }
    this.state = this.stack.length === 0 ? State.Done : State.After;
  }
}
