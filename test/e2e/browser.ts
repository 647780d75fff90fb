// Headless Chromium for the end-to-end tests: Debian's `chromium` driven by playwright-core (which
// downloads no browser of its own). Missing Chromium is a failure, never a skip.
import { accessSync, constants } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The flags this machine class needs: no sandbox as root, and no background connections (the
// closed network refuses them, and they have no place in a test anyway).
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  browser: Browser;
  /** A fresh profile (no cookies): a new browser as far as the servers can tell. */
  newPage(): Promise<{ context: BrowserContext; page: Page; problems: string[] }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's "chromium" package (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  // launch() gives Chromium a fresh, empty user data dir in the temp folder and deletes it on close.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 60_000 });
  return {
    browser,
    async newPage() {
      // The load balancer's certificate is self-signed (made for this run): the browser is told to
      // accept it, as a person would click through the warning once.
      const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        // Chromium logs every non-2xx fetch as an error; a 401 is an expected answer here.
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error: ${msg.text()}`);
        if (/Content Security Policy|Trusted Type/i.test(msg.text())) problems.push(`policy: ${msg.text()}`);
      });
      return { context, page, problems };
    },
    async close() {
      await browser.close();
    },
  };
}
