import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium'; // Debian's package, installed by .ci/run

export interface LoopbackBrowser {
  browser: BrowserContext;
  /** Every URL the pages asked for beyond loopback (each was refused). */
  offLoopback: string[];
  close(): Promise<void>;
}

/** Headless Chromium in a fresh profile that reaches nothing but 127.0.0.1, whatever a page asks for. */
export async function loopbackChromium(viewport: { width: number; height: number }): Promise<LoopbackBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'shim-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    viewport,
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
  const offLoopback: string[] = [];
  await browser.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === '127.0.0.1') return route.continue();
    offLoopback.push(url);
    return route.abort();
  });
  return {
    browser,
    offLoopback,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
