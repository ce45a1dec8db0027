import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunningShim } from '../../src/server.js';
import { startShim } from '../../src/server.js';
import { DeclaredResponses, validateOpenApi } from '../helpers/openapi.js';
import { PG_SERVER, psql, psqlJson } from './postgres-shims.js';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const KEY = 'openapi-e2e-all-tools';
const OTHER_TOOLS_KEY = 'openapi-e2e-manage-tools-only';
const ORDERS = 'SELECT item, amount FROM openapi_orders ORDER BY id';

/**
 * The program a person would write with the generated client: openapi-typescript's types of
 * /openapi.json and openapi-fetch, type-checked by tsc (a body that does not fit the tool's
 * schema does not compile). It prints each answer as a JSON line.
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const [baseUrl, key, otherKey] = process.argv.slice(2);
const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${key}\` } });
const print = (name: string, { data, error, response }: { data?: unknown; error?: unknown; response: Response }) =>
  console.log(JSON.stringify({ name, path: new URL(response.url).pathname, status: response.status, body: data ?? error }));

print('rows', await client.POST('/openapi/pg_execute_query', { body: { operation: 'select', query: ${JSON.stringify(ORDERS)} } }));
print('count', await client.POST('/openapi/pg_execute_query', { body: { operation: 'count', query: 'SELECT 1 FROM openapi_orders' } }));
print('bad sql', await client.POST('/openapi/pg_execute_query', { body: { operation: 'select', query: 'SELECT * FROM no_such_table' } }));
print('slow', await client.POST('/openapi/pg_execute_query', { body: { operation: 'select', query: 'SELECT pg_sleep(3)' } }));
// What the types refuse, sent anyway (as another language's client might): the shim refuses it too.
print('missing query', await client.POST('/openapi/pg_execute_query', { body: { operation: 'select' } as never }));
const stranger = createClient<paths>({ baseUrl });
print('no key', await stranger.POST('/openapi/pg_execute_query', { body: { operation: 'select', query: 'SELECT 1' } }));
const other = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${otherKey}\` } });
print('other key', await other.POST('/openapi/pg_execute_query', { body: { operation: 'select', query: 'SELECT 1' } }));
`;

interface Answer {
  name: string;
  path: string;
  status: number;
  body: Record<string, unknown>;
}

describe('a client generated from /openapi.json (openapi-typescript + openapi-fetch) against the real PostgreSQL server', () => {
  let shim: RunningShim;
  let dir: string;
  let document: Record<string, unknown>;
  let answers: Map<string, Answer>;

  beforeAll(async () => {
    await psql("DROP TABLE IF EXISTS openapi_orders; CREATE TABLE openapi_orders (id serial, item text, amount int); INSERT INTO openapi_orders (item, amount) VALUES ('widget', 3), ('gadget', 5);");
    shim = await startShim(
      {
        server: { apiKeys: [KEY, { key: OTHER_TOOLS_KEY, tools: ['pg_manage_*'] }] },
        mcpServers: { postgres: { command: process.execPath, args: [PG_SERVER], env: { POSTGRES_CONNECTION_STRING: process.env.E2E_DATABASE_URL! } } },
        // A time limit the client's slow query runs into: the tool is not marked read-only, so that is a 424.
        tools: { pg_execute_query: { timeoutSeconds: 1 } },
      },
      { host: '127.0.0.1', port: 0 },
    );
    document = (await (await fetch(`${shim.url}/openapi.json`, { headers: { authorization: `Bearer ${KEY}` } })).json()) as Record<string, unknown>;

    dir = mkdtempSync(path.join(tmpdir(), 'shim-openapi-client-'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(document));
    writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}');
    writeFileSync(path.join(dir, 'client.ts'), CLIENT);
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2023', 'dom'], outDir: 'out', skipLibCheck: true }, files: ['client.ts'] }),
    );
    await run(process.execPath, [path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), 'openapi.json', '-o', 'schema.d.ts'], { cwd: dir });
    await run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir });
    const { stdout } = await run(process.execPath, [path.join(dir, 'out/client.js'), shim.url, KEY, OTHER_TOOLS_KEY], { cwd: dir, timeout: 60_000 });
    answers = new Map(stdout.trim().split('\n').map((line) => JSON.parse(line) as Answer).map((answer) => [answer.name, answer]));
  }, 120_000);

  afterAll(async () => {
    await shim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the document of the 18 PostgreSQL tools validates as OpenAPI 3.1', async () => {
    expect(Object.keys(document.paths as object)).toHaveLength(18);
    expect(Object.keys(document.paths as object)).toContain('/openapi/pg_execute_query');
    expect(await validateOpenApi(document)).toEqual({ valid: true, version: '3.1' });
    expect(new DeclaredResponses(document).invalidSchemas()).toEqual([]);
  });

  test("pg_execute_query through the generated client answers PostgreSQL's rows", async () => {
    const rows = answers.get('rows')!;
    expect(rows.status).toBe(200);
    expect(rows.body.isError).toBe(false);
    expect(rows.body.text).toMatch(/^Query executed successfully\. Retrieved 2 rows\./);
    expect(rows.body.data).toEqual(await psqlJson(ORDERS));
  });

  test('each answer is what it should be: a tool error a 200 that says so, a timeout a 424, and the 400, 401 and 404', () => {
    const statuses = Object.fromEntries([...answers.values()].map((answer) => [answer.name, answer.status]));
    expect(statuses).toEqual({ rows: 200, count: 200, 'bad sql': 200, slow: 424, 'missing query': 400, 'no key': 401, 'other key': 404 });
    expect(answers.get('bad sql')!.body).toEqual(expect.objectContaining({ isError: true, text: expect.stringContaining('no_such_table') }));
    expect(answers.get('slow')!.body).toEqual({ error: expect.objectContaining({ code: 'upstream_timeout' }) });
  });

  test('every answer the client got matches the schema the document declares for it (Ajv)', () => {
    const declared = new DeclaredResponses(document);
    for (const answer of answers.values()) expect([answer.name, declared.problems(answer.path, answer.status, answer.body)]).toEqual([answer.name, []]);
  });
});
