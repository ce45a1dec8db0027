#!/usr/bin/env node
// A server for express-cost.mjs: answers POST /tools/:name/chat/completions with a fixed chat
// completion, built one of three ways (argv[2]); prints its port on stdout.
//   node-http         plain node:http: read the body, JSON.parse, writeHead + end
//   express           two pass-through middlewares, express.json, one route, res.json
//   express-born      the same app on createHttpServer (src/http/http-server.ts)
import { Buffer } from 'node:buffer';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ANSWER = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'echo', choices: [{ index: 0, message: { role: 'assistant', content: 'hello' }, finish_reason: 'stop' }] };
const variant = process.argv[2];

function expressApp() {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((_req, _res, next) => next());
  app.use((_req, _res, next) => next());
  app.use(express.json({ type: () => true }));
  app.post('/tools/:name/chat/completions', (_req, res) => res.json(ANSWER));
  return app;
}

let server;
if (variant === 'node-http') {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString());
      const body = JSON.stringify(ANSWER);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
} else if (variant === 'express') {
  server = http.createServer(expressApp());
} else if (variant === 'express-born') {
  const { createHttpServer } = await import(path.join(ROOT, 'dist/http/http-server.js'));
  server = createHttpServer(expressApp());
} else {
  throw new Error(`unknown variant ${variant}`);
}
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
