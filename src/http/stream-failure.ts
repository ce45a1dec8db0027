import type { Response } from 'express';
import type { AnswerStream } from '../faces/index.js';
import { toErrorResponse } from '../openai/errors.js';
import type { EventStream } from './event-stream.js';
import { errorContext } from './request-log.js';

/**
 * A streamed call failed. Before any event, the error handler answers with a status as usual
 * (rethrown); after, headers are gone and the failure travels as the face's last event.
 */
export function failStream(err: unknown, events: EventStream, answer: AnswerStream, res: Response): void {
  events.stop();
  if (!events.started) throw err;
  const error = toErrorResponse(err, errorContext(res));
  res.locals.streamErrorStatus = error.status;
  answer.fail(error);
}
