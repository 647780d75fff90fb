// What a person does on the demo page, as functions the end-to-end tests call.
import type { Page } from 'playwright-core';

export const PASSWORD = 'correct horse battery staple';

export async function open(page: Page, url: string): Promise<void> {
  await page.goto(url);
  // Start-up (server info, catalog, an existing login?) is over.
  await page.waitForSelector('body[data-ready=true]');
}

export async function register(page: Page, username: string): Promise<void> {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button:has-text("Register and log in")');
  await loggedInAs(page, username);
}

export async function logIn(page: Page, username: string): Promise<void> {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[value=login]');
  await loggedInAs(page, username);
}

async function loggedInAs(page: Page, username: string): Promise<void> {
  await page.locator('[data-testid=username]', { hasText: username }).waitFor();
  await idle(page);
}

/** Waits until the action in progress is over (the page disables its buttons meanwhile). */
export async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('#replay-button')?.hasAttribute('disabled'));
}

export async function click(page: Page, selector: string): Promise<void> {
  await page.click(selector);
  await idle(page);
}

export async function addToCart(page: Page, sku: string): Promise<void> {
  await click(page, `#products button[data-sku="${sku}"]`);
}

export async function cartTotal(page: Page): Promise<string> {
  return (await page.textContent('[data-testid=cart-total]')) ?? '';
}

export interface ReplayRow {
  instance: string;
  accepted: number;
  rejected: number;
  other: number;
}

/** Presses Replay and reads the table: one row per instance that answered. */
export async function replay(page: Page): Promise<{ rows: ReplayRow[]; verdict: string }> {
  const before = await page.textContent('#replay-result');
  await page.click('#replay-button');
  await idle(page);
  await page.waitForFunction((b) => document.querySelector('#replay-result')?.textContent !== b, before);
  const rows = await page.$$eval('[data-testid=replay-table] tbody tr', (trs) =>
    trs.map((tr) => {
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
      return { instance: tr.getAttribute('data-instance') ?? '', accepted: Number(cells[1]), rejected: Number(cells[2]), other: Number(cells[3]) };
    }),
  );
  return { rows, verdict: (await page.textContent('[data-testid=replay-verdict]')) ?? '' };
}

/** Instance ids in the header: every instance that answered this page so far. */
export async function instancesSeen(page: Page): Promise<string[]> {
  return page.$$eval('#header-instances .badge', (els) => els.map((e) => e.textContent ?? ''));
}

export async function documentCookie(page: Page): Promise<string> {
  return page.evaluate(() => document.cookie);
}
