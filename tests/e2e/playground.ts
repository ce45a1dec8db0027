import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { loopbackChromium, type LoopbackBrowser } from './chromium.js';
import type { LiteLLM } from './litellm.js';

/** Screenshots a reader of the CI log can open (ignored by git). */
export const ARTIFACTS = path.resolve(__dirname, 'artifacts');

export type Endpoint = '/v1/chat/completions' | '/v1/responses';

/**
 * The session cookie LiteLLM's login form would set (`encode_ui_session_jwt` in
 * litellm/proxy/auth/login_utils.py): an HS256 JWT signed with the master key, whose `key` the
 * dashboard sends as its Bearer token. The form itself cannot be used here: in 1.109.0 the admin
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

/** LiteLLM's admin UI playground in headless Chromium, logged in as the admin, reaching nothing but loopback. */
export class Playground {
  private constructor(
    readonly page: Page,
    private readonly chromium: LoopbackBrowser,
    private readonly litellm: LiteLLM,
  ) {}

  static async open(litellm: LiteLLM): Promise<Playground> {
    const chromium = await loopbackChromium({ width: 1280, height: 900 });
    const { browser } = chromium;
    await browser.addCookies([{ name: 'token', value: uiSessionToken(litellm.masterKey), url: litellm.url }]);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    return new Playground(page, chromium, litellm);
  }

  /** Every URL the page asked for beyond loopback (each was refused). */
  get offLoopback(): string[] {
    return this.chromium.offLoopback;
  }

  close(): Promise<void> {
    return this.chromium.close();
  }

  /** The playground with an empty chat, the endpoint type and the tool picked. */
  async newChat(endpoint: Endpoint, tool: string): Promise<void> {
    const { page } = this;
    await page.goto(`${this.litellm.url}/ui/`);
    await page.getByText('Playground', { exact: true }).first().click();
    // The chat history outlives a reload (sessionStorage): each question starts its own.
    await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
    const newChat = page.getByRole('button', { name: 'New chat', exact: true });
    if (await newChat.isEnabled()) await newChat.click();

    // The endpoint menu offers every door (chat is preselected; the page may keep the last choice).
    const picker = page.getByRole('button', { name: 'Endpoint', exact: true });
    const shown = endpoint.slice('/v1/'.length);
    if ((await picker.innerText()).trim() !== shown) {
      await picker.click();
      await page.getByRole('menuitemradio', { name: endpoint, exact: true }).click();
      await expect(picker.innerText().then((text) => text.trim())).resolves.toBe(shown);
    }

    // The model picker lists LiteLLM's /model_group/info entries whose mode fits the endpoint
    // (chat fits /v1/responses too): the tool.
    const model = page.getByRole('combobox', { name: 'Model', exact: true });
    await model.click();
    await page.getByRole('combobox', { name: 'Search models' }).fill(tool);
    await page.getByRole('option', { name: tool, exact: true }).click();
    await expect(model.innerText().then((text) => text.trim())).resolves.toBe(tool);
  }

  /**
   * Opens the playground on a new chat, picks the endpoint type and the tool, sends `message` and
   * waits for `check` to pass on the answer. `sameChat` sends it as the open chat's next message.
   */
  async ask(endpoint: Endpoint, tool: string, message: string, check: (answer: Locator) => Promise<void>, { sameChat = false } = {}): Promise<void> {
    const { page } = this;
    const screenshot = path.join(tmpdir(), `shim-ui-e2e-${process.pid}-${tool}-${endpoint.replaceAll('/', '_')}.png`);
    try {
      if (!sameChat) await this.newChat(endpoint, tool);
      await this.send(message);

      // The streamed answer is the last message on the assistant's side, headed by the model.
      const answer = this.answers().last();
      await answer.locator('[data-slot="message-header"]').getByText(tool, { exact: true }).waitFor();
      await check(answer);
      // The usage the shim streamed last (include_usage, or response.completed) is shown under it.
      await answer.getByLabel('Request metrics').filter({ hasText: /\d+\s*out/ }).waitFor();
    } catch (error) {
      await page.screenshot({ path: screenshot }).catch(() => undefined);
      throw new Error(`${(error as Error).message}\nscreenshot: ${screenshot}\nLiteLLM:\n${this.litellm.output().slice(-2000)}`);
    }
  }

  /** Sends `message` as the open chat's next message. */
  async send(message: string): Promise<void> {
    const composer = this.page.getByRole('textbox', { name: 'Message', exact: true });
    await composer.fill(message);
    await composer.press('Enter');
  }

  /** The chat's messages on the assistant's side, in order. */
  answers(): Locator {
    return this.page.locator('[data-slot="message"][data-align="start"]');
  }

  /** Bodies of the UI's POSTs to LiteLLM whose path ends with `suffix`, from now on. */
  recordPosts(suffix: string): unknown[] {
    const sent: unknown[] = [];
    this.page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith(suffix)) sent.push(request.postDataJSON());
    });
    return sent;
  }

  /** Keeps a screenshot of the page in ARTIFACTS as `name`; returns its path. */
  async keepScreenshot(name: string, { fullPage = false } = {}): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, name);
    await this.page.screenshot({ path: file, fullPage });
    return file;
  }
}
