import http from 'node:http';

/** Shared by the fault, fuzz and load suites: raw HTTP over keep-alive, and OpenAI shape checks. */

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

export interface Send {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Fails the request (status 0, text = the error) after this long: nothing may hang. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** One request with node:http: the path goes out exactly as given (no URL normalisation). */
export function send(base: string, agent: http.Agent, { method = 'POST', path, body, headers = {}, timeoutMs = 30_000, signal }: Send): Promise<Answer> {
  const { hostname, port } = new URL(base);
  const started = performance.now();
  return new Promise((resolve) => {
    const finish = (status: number, responseHeaders: http.IncomingHttpHeaders, text: string) =>
      resolve({ status, headers: responseHeaders, text, ms: performance.now() - started });
    // An explicit length: node sends GET and DELETE bodies without one, and the server would read them as the next request.
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request({ host: hostname, port, method, path, agent, headers: { ...length, ...headers }, timeout: timeoutMs, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (err) => finish(0, res.headers, `response error: ${err.message}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => finish(0, {}, `request error: ${err.message}`));
    req.end(body);
  });
}

/** A chat completion request whose last user message is `content`. */
export function chat(content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: 'ignored', messages: [{ role: 'user', content }], ...extra });
}

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** What is wrong with an OpenAI error body (`{"error": {message, type, param, code}}`), or undefined. */
export function errorShapeProblem(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'not an object';
  if (Object.keys(body).join() !== 'error') return `keys ${Object.keys(body).join()}`;
  const error = (body as { error: unknown }).error as Record<string, unknown> | null;
  if (error === null || typeof error !== 'object') return 'error is not an object';
  if (Object.keys(error).sort().join() !== 'code,message,param,type') return `error keys ${Object.keys(error).join()}`;
  if (typeof error.message !== 'string' || error.message === '') return 'message is not a string';
  if (typeof error.type !== 'string') return 'type is not a string';
  if (error.param !== null && typeof error.param !== 'string') return 'param is neither null nor a string';
  if (error.code !== null && typeof error.code !== 'string') return 'code is neither null nor a string';
  return undefined;
}

/** What is wrong with a `chat.completion` body, or undefined. */
export function completionShapeProblem(body: unknown): string | undefined {
  const completion = body as Record<string, unknown> | null;
  if (completion?.object === 'response') return responseShapeProblem(completion);
  if (completion?.object === 'text_completion') return textCompletionShapeProblem(completion);
  if (completion?.object !== 'chat.completion') return 'object is not chat.completion, response or text_completion';
  if (typeof completion.id !== 'string' || !completion.id.startsWith('chatcmpl-')) return 'bad id';
  const choices = completion.choices as { message?: { role?: unknown; content?: unknown }; finish_reason?: unknown }[];
  if (!Array.isArray(choices) || choices.length !== 1) return 'choices is not one choice';
  if (choices[0]!.message?.role !== 'assistant' || typeof choices[0]!.message.content !== 'string') return 'bad message';
  if (choices[0]!.finish_reason !== 'stop') return 'bad finish_reason';
  const usage = completion.usage as Record<string, unknown> | undefined;
  if (typeof usage?.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') return 'bad usage';
  return undefined;
}

/** A Responses API `response`: completed, one message of one output_text part, usage. */
function responseShapeProblem(response: Record<string, unknown>): string | undefined {
  if (typeof response.id !== 'string' || !response.id.startsWith('resp_')) return 'bad response id';
  if (response.status !== 'completed') return `response status ${String(response.status)}`;
  const output = response.output as { type?: unknown; content?: { type?: unknown; text?: unknown }[] }[];
  const part = Array.isArray(output) && output.length === 1 && output[0]!.type === 'message' ? output[0]!.content?.[0] : undefined;
  if (part?.type !== 'output_text' || typeof part.text !== 'string') return 'bad response output';
  const usage = response.usage as Record<string, unknown> | undefined;
  if (typeof usage?.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return 'bad response usage';
  return undefined;
}

function textCompletionShapeProblem(completion: Record<string, unknown>): string | undefined {
  if (typeof completion.id !== 'string' || !completion.id.startsWith('cmpl-')) return 'bad text_completion id';
  const choices = completion.choices as { text?: unknown; finish_reason?: unknown }[];
  if (!Array.isArray(choices) || choices.length !== 1 || typeof choices[0]!.text !== 'string') return 'bad text_completion choice';
  return undefined;
}

/**
 * What is wrong with a server-sent event stream of an answer, or undefined. Chat and legacy
 * completions: every event a JSON chunk (or one last OpenAI error), comments, `data: [DONE]` last.
 * The Responses API (events with `event:` lines): each names its `type`, `sequence_number` counts
 * from 0, and the last is `response.completed` or `response.failed`.
 */
export function streamShapeProblem(text: string): string | undefined {
  const events = text.split('\n\n').filter((event) => event !== '' && !event.startsWith(':'));
  if (events.some((event) => event.startsWith('event: '))) return responsesStreamProblem(events);
  if (events.at(-1) !== 'data: [DONE]') return 'does not end with data: [DONE]';
  for (const event of events.slice(0, -1)) {
    if (!event.startsWith('data: ')) return `event is not data: ${event.slice(0, 40)}`;
    const data = parseJson(event.slice(6)) as Record<string, unknown> | undefined;
    if (data === undefined) return `event is not JSON: ${event.slice(0, 40)}`;
    if ('error' in data) {
      const problem = errorShapeProblem(data);
      if (problem) return `error event: ${problem}`;
    } else if (data.object !== 'chat.completion.chunk' && data.object !== 'text_completion') return 'event is not a chunk';
  }
  return undefined;
}

function responsesStreamProblem(events: string[]): string | undefined {
  let last: string | undefined;
  for (const [i, event] of events.entries()) {
    const match = /^event: (\S+)\ndata: (.*)$/s.exec(event);
    if (!match) return `not an event: and a data: line: ${event.slice(0, 40)}`;
    const data = (parseJson(match[2]!) ?? {}) as { type?: unknown; sequence_number?: unknown };
    if (data.type !== match[1]) return `event ${match[1]} carries type ${String(data.type)}`;
    if (data.sequence_number !== i) return `event ${i} has sequence_number ${String(data.sequence_number)}`;
    last = match[1];
  }
  return last === 'response.completed' || last === 'response.failed' ? undefined : `ends with ${String(last)}`;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Counts of each value, sorted by key, for the printed figures. */
export function histogram(values: (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of [...values].sort()) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Unhandled rejections and uncaught exceptions seen by process-errors-environment.ts. */
export function processErrors(): string[] {
  return (globalThis as { __processErrors?: string[] }).__processErrors ?? [];
}

export function rssMiB(): number {
  return Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
}

/** Prints a suite's figures where the CI log shows them. */
export function report(title: string, figures: Record<string, unknown>): void {
  console.log(`${title}\n${Object.entries(figures).map(([key, value]) => `  ${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`).join('\n')}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
