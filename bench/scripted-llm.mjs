#!/usr/bin/env node
// The bench's stand-in LLM for agent models, answering at once and without state: a conversation
// that ends with the user's message gets one call of the echo tool; one that ends with the tool's
// answer gets that answer back as text. So each agent call is one step: two LLM turns, one tool call.
// OpenAI's chat completions shape. Prints its port on stdout.
import { Buffer } from 'node:buffer';
import http from 'node:http';

let ids = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const { messages = [], model } = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    const last = messages.at(-1) ?? {};
    const message =
      last.role === 'tool'
        ? { role: 'assistant', content: `The tool said: ${last.content}` }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: `call_${(ids += 1)}`, type: 'function', function: { name: 'echo', arguments: '{"message":"hello"}' } }],
          };
    const body = JSON.stringify({
      id: `chatcmpl-bench-${ids}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
