import type { Request, RequestHandler, Response } from 'express';
import { RequestError } from '../../errors.js';
import { argumentsFromText, callTool, findTool } from '../../invoke.js';
import { log } from '../../log.js';
import { chatChunk, chatCompletion, completionChunks, completionMeta } from '../../openai/completion.js';
import { toErrorResponse } from '../../openai/errors.js';
import { parseChatRequest } from '../../openai/request.js';
import { usageFor } from '../../openai/usage.js';
import type { ToolRegistry } from '../../registry.js';
import { renderProgress, renderResult } from '../../render.js';
import type { Progress } from '../../upstreams/types.js';
import { abortOnClientClose } from '../abort.js';
import { EventStream } from '../event-stream.js';
import { noteCall } from '../request-log.js';

export interface ChatOptions {
  keepAliveMs: number;
}

/**
 * `POST …/chat/completions`: the tool is named by the path (`/tools/:name/…`) or, on the
 * plain OpenAI routes, by `body.model`. The last user message holds the arguments.
 */
export function chatCompletions(registry: ToolRegistry, { keepAliveMs }: ChatOptions): RequestHandler {
  return async (req: Request, res: Response) => {
    const request = parseChatRequest(req.body);
    const name = (req.params as { name?: string }).name ?? request.model;
    if (!name) throw new RequestError('"model" must name the tool to call (GET /v1/models lists them).', 'model', 'missing_model');
    const tool = findTool(registry, name);
    noteCall(res, tool);
    const args = argumentsFromText(tool, request.userText);
    log.debug('tool arguments', { tool: tool.name, arguments: args });
    const signal = abortOnClientClose(res);
    const meta = completionMeta(tool.name);

    if (!request.stream) {
      const result = await callTool(tool, args, signal);
      const content = renderResult(result, tool.maxResultBytes);
      if (result.isError) res.set('x-mcp-tool-error', 'true');
      res.json(chatCompletion(meta, content, usageFor(request.userText, content)));
      return;
    }

    const stream = new EventStream(res, keepAliveMs);
    // Progress opens the stream early, as reasoning: the LiteLLM UI shows a long tool is alive.
    const onProgress = (progress: Progress) => stream.send(chatChunk(meta, { reasoning_content: renderProgress(progress) }));
    let result;
    try {
      result = await callTool(tool, args, signal, onProgress);
    } catch (err) {
      stream.stop();
      if (!stream.started) throw err;
      // Headers are gone: the error travels as a last event, which the openai clients raise.
      const { status, body } = toErrorResponse(err);
      res.locals.streamErrorStatus = status;
      stream.send(body);
      stream.end();
      return;
    }
    const content = renderResult(result, tool.maxResultBytes);
    if (result.isError && !stream.started) res.set('x-mcp-tool-error', 'true');
    const usage = request.includeUsage ? usageFor(request.userText, content) : undefined;
    for (const chunk of completionChunks(meta, content, usage)) stream.send(chunk);
    stream.end();
  };
}
