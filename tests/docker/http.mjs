// One HTTP request with assertions, for the tests/docker scripts (Node's global fetch):
//   node tests/docker/http.mjs [--key KEY] [--status N] [--body-has TEXT]... [--body-lacks TEXT]... [--content-has TEXT]... METHOD URL [JSON_BODY]
// --content-has looks in choices[0].message.content of a chat completion. Prints the body; exits 1
// (with the reason on stderr) when the status or any expected text differs.
const args = process.argv.slice(2);
const options = { status: 200, bodyHas: [], bodyLacks: [], contentHas: [] };
const rest = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--key') options.key = args[++i];
  else if (arg === '--status') options.status = Number(args[++i]);
  else if (arg === '--body-has') options.bodyHas.push(args[++i]);
  else if (arg === '--body-lacks') options.bodyLacks.push(args[++i]);
  else if (arg === '--content-has') options.contentHas.push(args[++i]);
  else rest.push(arg);
}
const [method, url, body] = rest;
if (!method || !url) {
  console.error('usage: http.mjs [--key KEY] [--status N] [--body-has TEXT]... [--body-lacks TEXT]... [--content-has TEXT]... METHOD URL [JSON_BODY]');
  process.exit(2);
}

const headers = { 'content-type': 'application/json' };
if (options.key) headers.authorization = `Bearer ${options.key}`;
let response;
try {
  response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(60_000) });
} catch (err) {
  console.error(`${method} ${url}: ${err.cause?.message ?? err.message}`);
  process.exit(1);
}
const text = await response.text();
process.stdout.write(`${text}\n`);

const problems = [];
if (response.status !== options.status) problems.push(`status ${response.status}, expected ${options.status}`);
for (const wanted of options.bodyHas) if (!text.includes(wanted)) problems.push(`body lacks ${JSON.stringify(wanted)}`);
for (const unwanted of options.bodyLacks) if (text.includes(unwanted)) problems.push(`body has ${JSON.stringify(unwanted)}`);
if (options.contentHas.length > 0) {
  let content;
  try {
    content = JSON.parse(text).choices?.[0]?.message?.content;
  } catch {
    // not JSON: reported below
  }
  if (typeof content !== 'string') problems.push('no choices[0].message.content in the answer');
  else for (const wanted of options.contentHas) if (!content.includes(wanted)) problems.push(`content lacks ${JSON.stringify(wanted)}`);
}
if (problems.length > 0) {
  console.error(`${method} ${url}: ${problems.join('; ')}`);
  process.exit(1);
}
