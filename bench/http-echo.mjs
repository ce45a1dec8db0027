#!/usr/bin/env node
// The benchmark's streamable-HTTP upstream: one `echo` tool at /mcp on loopback. `--sdk 1` (the
// default) is the 1.x SDK's McpServer with a session per client, as most servers deployed today;
// `--sdk 2` the v2 server package's handler, which speaks 2026-07-28 to a client that offers it
// and serves older clients statelessly. Prints its port on stdout.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';

const at = process.argv.indexOf('--sdk');
const sdk = at > 0 ? process.argv[at + 1] : '1';
const echo = async ({ message }) => ({ content: [{ type: 'text', text: message }] });

async function v1Handler() {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const sessions = new Map();
  return async (req, res) => {
    const id = req.headers['mcp-session-id'];
    const known = typeof id === 'string' ? sessions.get(id) : undefined;
    if (known) return known.handleRequest(req, res);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => sessions.set(sid, transport) });
    const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echoes the message back', inputSchema: { message: z.string() } }, echo);
    await server.connect(transport);
    return transport.handleRequest(req, res);
  };
}

async function v2Handler() {
  const { createMcpHandler, McpServer } = await import('@modelcontextprotocol/server');
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  return toNodeHandler(
    createMcpHandler(() => {
      const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
      server.registerTool('echo', { description: 'Echoes the message back', inputSchema: z.object({ message: z.string() }) }, echo);
      return server;
    }),
  );
}

const handle = sdk === '2' ? await v2Handler() : await v1Handler();
const server = http.createServer((req, res) => void handle(req, res));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
