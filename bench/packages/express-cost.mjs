#!/usr/bin/env node
// What express costs per request, against node:http doing the same work:
// `npm run build && node bench/packages/express-cost.mjs`. Each server variant (express-app.mjs)
// runs in its own process under the same autocannon load at c=64, in interleaved rounds; the
// figure is that process's CPU per request (from /proc), median over the rounds.
import { chatBody, measure, median, startNodeHelper, stop } from '../lib.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const VARIANTS = ['node-http', 'express', 'express-born'];

const servers = [];
for (const variant of VARIANTS) servers.push({ variant, ...(await startNodeHelper('packages/express-app.mjs', [variant], variant)), runs: [] });
for (let round = 0; round < ROUNDS; round += 1) {
  for (const server of servers) {
    const run = await measure(`${server.url}/tools/echo/chat/completions`, { body: chatBody(false), connections: 64, pid: server.child.pid, warmupS: 1, durationS: 4 });
    server.runs.push(run.cpuUsPerRequest);
  }
}
console.log(`CPU per request at c=64, median of ${ROUNDS} interleaved rounds:`);
for (const { variant, runs } of servers) {
  console.log(`  ${variant.padEnd(13)} ${Math.round(median(runs))} µs  (${Math.round(Math.min(...runs))}–${Math.round(Math.max(...runs))})`);
}
await Promise.all(servers.map((server) => stop(server.child)));
process.exit(0);
