import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import type { ShimConfig } from '../../src/config/types.js';
import { startShim, type RunningShim } from '../../src/server.js';
import { loopbackChromium, type LoopbackBrowser } from './chromium.js';
import { PG_SERVER, psql, psqlJson } from './postgres-shims.js';

const ARTIFACTS = path.resolve(__dirname, 'artifacts');
const ORDERS = 'SELECT item, amount FROM docs_orders ORDER BY id';
const ALL_TOOLS_KEY = 'docs-e2e-every-tool';
const MANAGE_ONLY_KEY = 'docs-e2e-manage-tools-only';

function postgresShim(server: ShimConfig['server']): Promise<RunningShim> {
  return startShim(
    { server, mcpServers: { postgres: { command: process.execPath, args: [PG_SERVER], env: { POSTGRES_CONNECTION_STRING: process.env.E2E_DATABASE_URL! } } } },
    { host: '127.0.0.1', port: 0 },
  );
}

describe('/docs in headless Chromium, with no network beyond loopback', () => {
  let open: RunningShim;
  let keyed: RunningShim;
  let chromium: LoopbackBrowser;
  let page: Page;
  let offLoopback: string[];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await psql("DROP TABLE IF EXISTS docs_orders; CREATE TABLE docs_orders (id serial, item text, amount int); INSERT INTO docs_orders (item, amount) VALUES ('widget', 3), ('gadget', 5);");
    open = await postgresShim({});
    keyed = await postgresShim({ apiKeys: [ALL_TOOLS_KEY, { key: MANAGE_ONLY_KEY, tools: ['pg_manage_*'] }] });
    chromium = await loopbackChromium({ width: 1280, height: 1000 });
    offLoopback = chromium.offLoopback;
    page = chromium.browser.pages()[0] ?? (await chromium.browser.newPage());
    page.setDefaultTimeout(30_000);
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    await open?.close();
    await keyed?.close();
  }, 60_000);

  /** The operation's block, found by its path as the page lists it. */
  const operation = (tool: string): Locator => page.locator('.opblock').filter({ has: page.locator('.opblock-summary-path', { hasText: new RegExp(`^/openapi/${tool}$`) }) });

  /** Opens the tool, presses "Try it out", types `body`, executes, and returns the answer's status and JSON. */
  async function tryIt(tool: string, body: object): Promise<{ status: number; json: Record<string, unknown> }> {
    const block = operation(tool);
    await block.locator('.opblock-summary').click();
    await block.getByRole('button', { name: 'Try it out' }).click();
    // The example made from the tool's schema is there to edit.
    const editor = block.locator('textarea.body-param__text');
    await expect(editor.inputValue().then((text) => JSON.parse(text) as unknown)).resolves.toEqual({ operation: 'select', query: '<query>' });
    await editor.fill(JSON.stringify(body));
    await block.getByRole('button', { name: 'Execute', exact: true }).click();
    const live = block.locator('.live-responses-table .response');
    await live.locator('.response-col_description .microlight').first().waitFor();
    const status = Number((await live.locator('.response-col_status').first().innerText()).trim());
    const json = JSON.parse(await live.locator('.response-col_description .microlight').first().innerText()) as Record<string, unknown>;
    return { status, json };
  }

  /** What the page shows, kept for a reader of the CI log (ignored by git). */
  async function screenshot(name: string): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, name);
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
  }

  test("without keys: finds pg_execute_query, runs a query from the page and shows PostgreSQL's rows", async () => {
    await page.goto(`${open.url}/docs`);
    await operation('pg_execute_query').waitFor();
    // Every tool of the server is listed, grouped under its name; no Authorize step without keys.
    await expect(page.locator('.opblock').count()).resolves.toBe(18);
    await expect(page.locator('.btn.authorize').count()).resolves.toBe(0);
    const { status, json } = await tryIt('pg_execute_query', { operation: 'select', query: ORDERS });
    expect(status).toBe(200);
    expect(json.isError).toBe(false);
    expect(json.data).toEqual(await psqlJson(ORDERS));
    // The answer as the page shows it, the rows in its data.
    await operation('pg_execute_query').locator('.live-responses-table .microlight').first().scrollIntoViewIfNeeded();
    await screenshot('docs-pg-execute-query.png');
    expect(offLoopback).toEqual([]);
  }, 120_000);

  test('with keys: the page loads without one and asks for it; Authorize shows that key\'s tools, and calls send it', async () => {
    await page.goto(`${keyed.url}/docs`);
    await page.getByText('This shim needs an API key').waitFor();
    await expect(page.locator('.opblock').count()).resolves.toBe(0);

    // A key limited to the pg_manage_* tools: the query tool is not there.
    await authorize(MANAGE_ONLY_KEY);
    await operation('pg_manage_schema').waitFor();
    await expect(operation('pg_execute_query').count()).resolves.toBe(0);
    await screenshot('docs-key-limited.png');

    // Log out, and in with a key for every tool: the query tool appears, and runs with the key.
    await page.locator('.btn.authorize').first().click();
    await page.locator('.modal-ux button', { hasText: 'Logout' }).click();
    await page.getByText('This shim needs an API key').waitFor();
    await authorize(ALL_TOOLS_KEY, { alreadyOpen: true });
    await operation('pg_execute_query').waitFor();
    const { status, json } = await tryIt('pg_execute_query', { operation: 'select', query: ORDERS });
    expect(status).toBe(200);
    expect(json.data).toEqual(await psqlJson(ORDERS));
    // Kept for the tab's session: a reload shows the same key's tools without asking again.
    await page.reload();
    await operation('pg_execute_query').waitFor();
    expect(offLoopback).toEqual([]);
  }, 120_000);

  test('the page breaks no rule of its content security policy', () => {
    expect(consoleErrors.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
  });

  /** Swagger UI's Authorize dialog: the bearer key, then close. */
  async function authorize(key: string, { alreadyOpen = false } = {}): Promise<void> {
    if (!alreadyOpen) await page.locator('.btn.authorize').first().click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('input').fill(key);
    await dialog.locator('button.authorize', { hasText: 'Authorize' }).click();
    await dialog.locator('button.btn-done', { hasText: 'Close' }).click();
  }
});
