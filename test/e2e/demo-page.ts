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

/** The page's visible text (innerText leaves out what CSS hides: the other set-ups' prose). */
export async function visibleText(page: Page, selector = 'body'): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point: hidden prose must not count
  return page.locator(selector).first().innerText();
}

/** How far the page scrolls sideways: 0 when it fits the viewport. */
export async function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/**
 * Elements inside `container` that stick out of it, or scroll inside themselves sideways (as a
 * `pre` with a long line does): [] when everything stays inside. One pixel of rounding is allowed.
 */
export async function overflowing(page: Page, container: string): Promise<string[]> {
  return page.$eval(container, (box) => {
    const outer = box.getBoundingClientRect();
    const found: string[] = [];
    for (const el of box.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue; // hidden
      const name = `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}`;
      if (r.left < outer.left - 1 || r.right > outer.right + 1) found.push(`${name} sticks out (${Math.round(r.left)}..${Math.round(r.right)})`);
      else if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') found.push(`${name} scrolls sideways`);
    }
    return found;
  });
}

/** Whether an element lies wholly within the viewport's width (it can be seen without scrolling sideways). */
export async function withinViewportWidth(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth;
  });
}
