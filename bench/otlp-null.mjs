#!/usr/bin/env node
// An OTLP/HTTP endpoint that accepts every export and keeps nothing: the bench measures what
// tracing costs the shim, not a collector. Prints its port on stdout.
import http from 'node:http';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
