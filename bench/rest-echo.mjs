#!/usr/bin/env node
// The benchmark's REST upstream, the field report's adapter contract in plain node:http:
// `GET /tools` and `POST /tools/echo` answering a CallToolResult. `--tools N` adds N generated
// tools (tool_0000…) to the listing, for `/v1/models` at scale. Prints its port on stdout.
import { Buffer } from 'node:buffer';
import http from 'node:http';

const at = process.argv.indexOf('--tools');
const extra = at > 0 ? Number(process.argv[at + 1]) : 0;
const echo = {
  name: 'echo',
  description: 'Echoes the message back',
  inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
};
const generated = Array.from({ length: extra }, (_, i) => ({
  name: `tool_${String(i).padStart(4, '0')}`,
  description: `Generated tool number ${i}: looks something up by id and returns it.`,
  inputSchema: {
    type: 'object',
    properties: { id: { type: 'string', description: 'What to look up' }, limit: { type: 'integer', minimum: 1 } },
    required: ['id'],
  },
}));
const listing = JSON.stringify({ tools: [echo, ...generated] });

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/tools') return send(res, 200, listing);
  if (req.method !== 'POST' || req.url !== '/tools/echo') return send(res, 404, '{"error":"not found"}');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString()).arguments?.message;
    } catch {
      return send(res, 400, '{"error":"body is not JSON"}');
    }
    if (typeof message !== 'string') return send(res, 422, '{"error":"message must be a string"}');
    send(res, 200, JSON.stringify({ content: [{ type: 'text', text: message }] }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
