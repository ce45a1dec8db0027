import type { Request, RequestHandler, Response } from 'express';
import { RequestError } from '../../errors.js';
import { argumentsFromText, callTool, findTool } from '../../invoke.js';
import { log } from '../../log.js';
import { chatChunk, chatCompletion, completionChunks, completionMeta, type CompletionMeta } from '../../openai/completion.js';
import { toErrorResponse } from '../../openai/errors.js';
import { HEALTH_CHECK_MODEL, healthProbeAnswer } from '../../openai/health-probe.js';
import { parseChatRequest, type ChatRequest } from '../../openai/request.js';
import { usageFor } from '../../openai/usage.js';
import type { ToolRegistry } from '../../registry.js';
import { renderProgress, renderResult } from '../../render.js';
import type { Progress } from '../../upstreams/types.js';
import { abortOnClientClose } from '../abort.js';
import { visibleTools } from '../auth.js';
import { EventStream } from '../event-stream.js';
import { errorContext, noteCall } from '../request-log.js';

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
    if (request.healthProbe) {
      answerHealthProbe(registry, name, request, res, keepAliveMs);
      return;
    }
    const tool = findTool(visibleTools(res, registry), name);
    noteCall(res, tool);
    const args = argumentsFromText(tool, request.userText);
    log.debug('tool arguments', { tool: tool.name, arguments: args });
    const signal = abortOnClientClose(res);
    const meta = completionMeta(tool.name);

    if (!request.stream) {
      const result = await callTool(tool, args, signal);
      if (result.isError) res.set('x-mcp-tool-error', 'true');
      res.json(completionBody(request, meta, renderResult(result, tool.maxResultBytes)));
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
      const { status, body } = toErrorResponse(err, errorContext(res));
      res.locals.streamErrorStatus = status;
      stream.send(body);
      stream.end();
      return;
    }
    if (result.isError && !stream.started) res.set('x-mcp-tool-error', 'true');
    sendChunks(stream, request, meta, renderResult(result, tool.maxResultBytes));
  };
}

/**
 * LiteLLM health-checks a model with a real chat request; running the tool for it could change
 * data every time someone opens /health. The probe is answered here; an unknown tool still 404s,
 * so a misconfigured deployment shows as unhealthy.
 */
function answerHealthProbe(registry: ToolRegistry, name: string, request: ChatRequest, res: Response, keepAliveMs: number): void {
  if (name !== HEALTH_CHECK_MODEL) noteCall(res, findTool(visibleTools(res, registry), name));
  log.info('answered a LiteLLM health check without running the tool', { tool: name });
  const meta = completionMeta(name);
  const content = healthProbeAnswer(name);
  if (request.stream) sendChunks(new EventStream(res, keepAliveMs), request, meta, content);
  else res.json(completionBody(request, meta, content));
}

function completionBody(request: ChatRequest, meta: CompletionMeta, content: string) {
  return chatCompletion(meta, content, usageFor(request.userText, content));
}

function sendChunks(stream: EventStream, request: ChatRequest, meta: CompletionMeta, content: string): void {
  const usage = request.includeUsage ? usageFor(request.userText, content) : undefined;
  for (const chunk of completionChunks(meta, content, usage)) stream.send(chunk);
  stream.end();
}
