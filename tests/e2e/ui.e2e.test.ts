import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { litellmConfig } from '../../src/litellm/snippets.js';
import type { RunningShim } from '../../src/server.js';
import { startTestShim, stdioTestServer } from '../helpers/shim.js';
import { startLiteLLM, type LiteLLM } from './litellm.js';

const CHROMIUM = '/usr/bin/chromium'; // Debian's package, installed by .ci/run
const MESSAGE = 'hello from the UI';

/**
 * The session cookie LiteLLM's login form would set (`encode_ui_session_jwt` in
 * litellm/proxy/auth/login_utils.py): an HS256 JWT signed with the master key, whose `key` the
 * dashboard sends as its Bearer token. The form itself cannot be used here: in 1.108.6 the admin
 * login mints a virtual key, which needs a database through Prisma, whose engines the proxy
 * downloads at run time. The claims are the ones `create_ui_token_object` writes for the env
 * admin (UI_USERNAME "admin", password = master key), with the master key as the session key.
 */
function uiSessionToken(masterKey: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({
    user_id: 'default_user_id',
    key: masterKey,
    user_email: null,
    user_role: 'proxy_admin',
    login_method: 'username_password',
    premium_user: false,
    auth_header_name: 'Authorization',
    disabled_non_admin_personal_key_creation: false,
    server_root_path: '/',
    password_reset_required: false,
    exp: Math.floor(Date.now() / 1000) + 3600,
  })}`;
  return `${unsigned}.${createHmac('sha256', masterKey).update(unsigned).digest('base64url')}`;
}

describe("LiteLLM's admin UI playground, headless", () => {
  let shim: RunningShim;
  let litellm: LiteLLM;
  let profile: string;
  let browser: BrowserContext;
  let page: Page;
  const offLoopback: string[] = [];

  beforeAll(async () => {
    shim = await startTestShim({ db: stdioTestServer({ tools: { include: ['echo'] } }) });
    litellm = await startLiteLLM(litellmConfig(shim.registry.list(), { baseUrl: shim.url }));

    profile = mkdtempSync(path.join(tmpdir(), 'shim-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Nothing but loopback resolves, whatever the page asks for.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    // The browser loads only what the local proxy serves.
    await browser.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).hostname === '127.0.0.1') return route.continue();
      offLoopback.push(url);
      return route.abort();
    });
    await browser.addCookies([{ name: 'token', value: uiSessionToken(litellm.masterKey), url: litellm.url }]);
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await litellm?.stop();
    await shim?.close();
  }, 60_000);

  /** Opens the playground, picks the endpoint type and the echo tool, sends MESSAGE and waits for the tool's answer. */
  async function askEcho(endpoint: '/v1/chat/completions' | '/v1/responses'): Promise<void> {
    const screenshot = path.join(tmpdir(), `shim-ui-e2e-${process.pid}-${endpoint.replaceAll('/', '_')}.png`);
    try {
      await page.goto(`${litellm.url}/ui/`);
      await page.getByText('Playground', { exact: true }).first().click();

      // The endpoint picker offers every door; the chat one is preselected.
      const picker = page.getByPlaceholder('Select an endpoint', { exact: true });
      await expect(picker.inputValue()).resolves.toBe('/v1/chat/completions');
      if (endpoint !== '/v1/chat/completions') {
        await picker.click();
        await page.getByRole('option').filter({ hasText: endpoint }).first().click();
        await expect(picker.inputValue()).resolves.toBe(endpoint);
      }

      // The model picker lists LiteLLM's /model_group/info entries whose mode fits the endpoint
      // (chat fits /v1/responses too): the tool.
      const model = page.getByPlaceholder('Select a Model', { exact: true });
      await model.click();
      await page.getByRole('option').filter({ hasText: /^echo/ }).click();
      await expect(model.inputValue()).resolves.toBe('echo');

      const composer = page.getByTestId('chat-composer-input');
      await composer.fill(MESSAGE);
      await composer.press('Enter');

      // The streamed answer is rendered as the assistant's message, tagged with the model.
      const answer = page.locator('[data-role="assistant"]').last();
      await answer.getByText(`echo: ${MESSAGE}`, { exact: true }).waitFor();
      await expect(answer.innerText()).resolves.toMatch(/^assistant\s+echo\s+echo: hello from the UI/i);
      // The usage the shim streamed last (include_usage, or response.completed) is shown under it.
      await answer.getByText(/^Out: \d+$/).waitFor();
    } catch (error) {
      await page.screenshot({ path: screenshot }).catch(() => undefined);
      throw new Error(`${(error as Error).message}\nscreenshot: ${screenshot}\nLiteLLM:\n${litellm.output().slice(-2000)}`);
    }
  }

  /** Bodies of the UI's POSTs to LiteLLM whose path ends with `suffix`. */
  function recordPosts(suffix: string): unknown[] {
    const sent: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith(suffix)) sent.push(request.postDataJSON());
    });
    return sent;
  }

  test("picks the echo tool as the model, sends a message and shows the tool's answer", async () => {
    const sent = recordPosts('/chat/completions');
    await askEcho('/v1/chat/completions');
    // What the UI asked LiteLLM for: one streamed chat completion for the tool, usage included.
    expect(sent).toEqual([
      expect.objectContaining({
        model: 'echo',
        stream: true,
        stream_options: { include_usage: true },
        messages: [expect.objectContaining({ role: 'user', content: MESSAGE })],
      }),
    ]);
    expect(offLoopback).toEqual([]);
  }, 120_000);

  test("with the /v1/responses endpoint type, it shows the tool's answer too", async () => {
    const sent = recordPosts('/responses');
    await askEcho('/v1/responses');
    expect(sent).toEqual([expect.objectContaining({ model: 'echo', stream: true })]);
    expect(offLoopback).toEqual([]);
  }, 120_000);
});
