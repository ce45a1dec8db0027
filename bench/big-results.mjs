// Large tool results: the time to the answer and the shim's peak RSS for results of 1 to 100 MB
// over stdio, and 50 MB over REST and streamable HTTP (the bulk fixture's `rows` tool, the
// PostgreSQL server's answer form), then how soon the shim's RSS is back near where it was.
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearInterval, setInterval } from 'node:timers';
import { NODE, ROOT, call, portOf, probeBody, rssMb, start, stop } from './lib.mjs';

const BULK = path.join(ROOT, 'tests', 'fixtures', 'bulk-mcp-server.mjs');
/** A pretty-printed row of the fixture with `width` 1000, JSON-escaped in the message. */
const BYTES_PER_ROW = 1040;
const SETTLE_LIMIT_S = 60;

/** One call of `rows` through the chat face: time to the whole answer, peak RSS meanwhile, and the message size the note names. */
function bigCall(url, pid, mb) {
  const count = Math.round((mb * 1e6) / BYTES_PER_ROW);
  const body = JSON.stringify({ model: 'rows', messages: [{ role: 'user', content: JSON.stringify({ count, width: 1000 }) }] });
  let peak = rssMb(pid) ?? 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) ?? 0)), 20);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/tools/rows/chat/completions`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        clearInterval(sampler);
        const seconds = (performance.now() - started) / 1000;
        if (res.statusCode !== 200) return reject(new Error(`rows ${mb} MB answered ${res.statusCode}: ${text.slice(0, 300)}`));
        const content = JSON.parse(text).choices[0].message.content;
        // Over maxResultBytes, the note names the message's size; under it, the answer is a table of the rows.
        const noted = /result truncated to \d+ of its (\d+) bytes/.exec(content);
        resolve({ mb, messageMb: (noted ? Number(noted[1]) : count * BYTES_PER_ROW) / 1e6, seconds, peakRssMb: peak });
      });
    });
    req.on('error', (err) => {
      clearInterval(sampler);
      reject(err);
    });
    req.setTimeout(120_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

async function startBulk(mode) {
  const child = start(NODE, [BULK, mode]);
  return { child, url: `http://127.0.0.1:${await portOf(child, `bulk server ${mode}`)}` };
}

/** Seconds until the shim's RSS is within `margin` MB of `before` (polled each second), or undefined after SETTLE_LIMIT_S. */
async function settles(pid, before, margin) {
  const started = performance.now();
  for (;;) {
    const rss = rssMb(pid) ?? Infinity;
    const seconds = (performance.now() - started) / 1000;
    if (rss <= before + margin) return { seconds, rssMb: rss };
    if (seconds >= SETTLE_LIMIT_S) return { seconds: undefined, rssMb: rss };
    await sleep(1000);
  }
}

/** `startShim(name, servers)` as run.mjs starts its shims. */
export async function bigResults(startShim) {
  const out = { stdio: [], rest: undefined, http: undefined };
  const stdio = await startShim('shim-big-stdio', { bulk: { command: NODE, args: [BULK] } }, { probe: 'pid' });
  const pid = stdio.child.pid;
  // A warmed, serving shim: a few small calls first.
  for (let i = 0; i < 50; i += 1) await call(`${stdio.url}/tools/pid/chat/completions`, probeBody('pid'));
  await sleep(500);
  out.rssBeforeMb = rssMb(pid);
  for (const mb of [1, 10, 50, 100]) out.stdio.push(await bigCall(stdio.url, pid, mb));
  out.settle = await settles(pid, out.rssBeforeMb, 100);
  await stop(stdio.child);

  for (const [kind, mode, entry] of [
    ['rest', '--rest', (url) => ({ type: 'rest', url })],
    ['http', '--http', (url) => ({ type: 'streamable-http', url: `${url}/mcp` })],
  ]) {
    const server = await startBulk(mode);
    const shim = await startShim(`shim-big-${kind}`, { bulk: entry(server.url) }, { probe: 'pid' });
    out[kind] = await bigCall(shim.url, shim.child.pid, 50);
    await Promise.all([stop(shim.child), stop(server.child)]);
  }
  return out;
}

/** Prints the figures and returns the targets they meet or miss. */
export function reportBigResults(big) {
  console.log(`\nlarge results (the rows tool; answers cut to maxResultBytes 1 MiB; shim RSS before ${big.rssBeforeMb} MB):`);
  const line = (label, run) =>
    console.log(`  ${label.padEnd(22)} ${run.messageMb.toFixed(1).padStart(6)} MB message: answered in ${run.seconds.toFixed(2)} s, peak RSS ${run.peakRssMb} MB`);
  for (const run of big.stdio) line(`stdio, ${run.mb} MB`, run);
  line('REST, 50 MB', big.rest);
  line('streamable HTTP, 50 MB', big.http);
  const settled = big.settle.seconds === undefined ? `not within ${SETTLE_LIMIT_S} s (${big.settle.rssMb} MB)` : `${big.settle.seconds.toFixed(0)} s (${big.settle.rssMb} MB)`;
  console.log(`  RSS back within 100 MB of before after the 100 MB answer: ${settled}`);
  const at = (mb) => big.stdio.find((run) => run.mb === mb);
  const growth = at(100).seconds / at(10).seconds;
  return [
    ['100 MB over stdio answered in ≤ 3 s', at(100).seconds <= 3, `${at(100).seconds.toFixed(2)} s`],
    ['time 10 → 100 MB grows ≤ 12 ×', growth <= 12, `${growth.toFixed(1)} ×`],
    ['peak RSS at 100 MB ≤ 700 MB', at(100).peakRssMb <= 700, `${at(100).peakRssMb} MB`],
    ['RSS back within 100 MB within 60 s', big.settle.seconds !== undefined, settled],
  ];
}
