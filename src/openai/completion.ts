import { randomBytes } from 'node:crypto';
import type { Usage } from './usage.js';

/** `chat.completion` and `chat.completion.chunk` objects, exactly as OpenAI shapes them. */

export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function completionMeta(model: string): CompletionMeta {
  return { id: `chatcmpl-${randomId()}`, created: Math.floor(Date.now() / 1000), model };
}

const ID_BYTES = 12;
let idPool = Buffer.alloc(0);
let idOffset = 0;

/** 12 random bytes as base64url, cut from a pool filled 4 KiB at a time: one `randomBytes` call per request showed in the profile. */
function randomId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(4096);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idPool.toString('base64url', idOffset - ID_BYTES, idOffset);
}

export function chatCompletion(meta: CompletionMeta, content: string, usage: Usage) {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
    system_fingerprint: null,
  };
}

/** `reasoning_content` is where OpenAI-compatible servers put intermediate text (tool progress here). */
type Delta = { role?: 'assistant'; content?: string; reasoning_content?: string };

export function chatChunk(meta: CompletionMeta, delta: Delta, finishReason: 'stop' | null = null) {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    system_fingerprint: null,
  };
}

/** The chunk `stream_options.include_usage` asks for: empty `choices`, `usage` filled. */
export function usageChunk(meta: CompletionMeta, usage: Usage) {
  return { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage, system_fingerprint: null };
}

/** The answer as the chunks a streaming client expects, in order (before `[DONE]`). */
export function completionChunks(meta: CompletionMeta, content: string, usage: Usage | undefined) {
  const chunks: object[] = [
    chatChunk(meta, { role: 'assistant', content: '' }),
    chatChunk(meta, { content }),
    chatChunk(meta, {}, 'stop'),
  ];
  if (usage) chunks.push(usageChunk(meta, usage));
  return chunks;
}
