// The demo page (GET /) in headless Chromium, through the compose load balancer's own nginx
// configuration (TLS, round robin) in front of three instances of each server, as `docker compose
// up` runs it: a newcomer's whole journey on each server, and what replaying a credential after a
// logout does on every instance.
import type { BrowserContext, Page } from 'playwright-core';
import { type Stack, startStack } from '../../deploy/local-stack';
import { newDatabase, uniqueUsername } from '../support/harness';
import { launchBrowser, type TestBrowser } from './browser';
import { addToCart, cartTotal, click, documentCookie, idle, instancesSeen, logIn, open, register, replay } from './demo-page';

let stack: Stack;
let browser: TestBrowser;
const opened: BrowserContext[] = [];
const problems: string[][] = [];

beforeAll(async () => {
  // Chromium first: on a machine without it this fails at once, naming the package to install.
  browser = await launchBrowser();
  stack = await startStack({ databaseUrl: await newDatabase(), instances: 3, balancer: 'nginx', env: { SCRYPT_LOG_N: '10' }, urlHost: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function newPage(): Promise<Page> {
  const p = await browser.newPage();
  opened.push(p.context);
  problems.push(p.problems);
  return p.page;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
  // No script error, no CSP or Trusted Types violation, on any page of the test.
  expect(problems.splice(0).flat()).toEqual([]);
});

const SESSION_IDS = ['session-1', 'session-2', 'session-3'];
const JWT_IDS = ['jwt-1', 'jwt-2', 'jwt-3'];

describe('GET / (the demo page)', () => {
  it('has its own strict CSP while the API keeps default-src none', async () => {
    const page = await newPage();
    const res = await page.goto(stack.sessionUrl);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const api = await page.request.get(`${stack.sessionUrl}/products`);
    expect(api.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    const script = await page.request.get(`${stack.sessionUrl}/web/app.mjs`);
    expect(script.headers()['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await page.request.get(`${stack.sessionUrl}/web/..%2Fpackage.json`)).status()).toBe(404);
  });
});

describe('session server page, through the load balancer', () => {
  it('a whole journey: register, fill the cart, see the HttpOnly cookie, log out, replay refused everywhere', async () => {
    const page = await newPage();
    await open(page, stack.sessionUrl);
    expect(await page.textContent('#server-kind')).toContain('session server');
    const name = uniqueUsername('e2e');
    await register(page, name);

    // The session id: a __Host- cookie the browser holds and no script can see.
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toEqual(['__Host-sid']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    expect(await documentCookie(page)).toBe('');
    expect(await page.textContent('[data-testid=document-cookie]')).toBe('""');
    expect(await page.textContent('#credential')).toContain('HttpOnly');

    await addToCart(page, 'KB-001');
    await addToCart(page, 'KB-001');
    await addToCart(page, 'MS-002');
    expect(await cartTotal(page)).toBe('€207.00');
    await click(page, '#cart tr[data-sku="KB-001"] button[aria-label^="One less"]');
    expect(await cartTotal(page)).toBe('€118.00');

    // Round robin, no sticky sessions: the page's requests were served by all three instances.
    expect(await instancesSeen(page)).toEqual(SESSION_IDS);
    expect(await page.locator('#sessions tbody tr').count()).toBe(1);
    expect(await page.textContent('#sessions')).toContain('this page');

    const live = await replay(page);
    expect(live.rows.map((r) => r.instance)).toEqual(SESSION_IDS);
    expect(live.rows.every((r) => r.accepted === 3 && r.rejected === 0)).toBe(true);
    expect(live.verdict).toContain('Accepted by all 3 instances');

    await click(page, 'button:has-text("Log out")');
    expect(await page.context().cookies()).toEqual([]); // Max-Age=0 + Clear-Site-Data
    const after = await replay(page);
    expect(after.rows.every((r) => r.accepted === 0 && r.rejected === 3)).toBe(true);
    expect(after.verdict).toContain('Rejected (401) by all 3 instances');
    expect(await page.textContent('#replay-explain')).toContain('HttpOnly');
  });

  it('replays a revoked session cookie the browser still holds: every instance refuses it at once', async () => {
    const page = await newPage();
    await open(page, stack.sessionUrl);
    await register(page, uniqueUsername('e2e'));
    const [cookie] = await page.context().cookies();

    await click(page, '#sessions tr.current button:has-text("Revoke")');
    // Nothing told the browser: it still holds the very same cookie, now dead on the server.
    expect((await page.context().cookies()).map((c) => c.value)).toEqual([cookie.value]);
    const { rows, verdict } = await replay(page);
    expect(rows.map((r) => r.instance)).toEqual(SESSION_IDS);
    expect(rows.every((r) => r.rejected === 3)).toBe(true);
    expect(verdict).toContain('every instance refuses the id at once');
  });

  it('logging out everywhere in one browser kills the session another browser holds, on every instance', async () => {
    const name = uniqueUsername('e2e');
    const first = await newPage();
    await open(first, stack.sessionUrl);
    await register(first, name);
    const second = await newPage();
    await open(second, stack.sessionUrl);
    await logIn(second, name);
    await click(second, '#sessions-card button:has-text("Reload the list")');
    expect(await second.locator('#sessions tbody tr').count()).toBe(2);

    await click(second, 'button:has-text("Log out everywhere")');
    const { rows } = await replay(first); // the first browser still sends its cookie
    expect(rows.every((r) => r.accepted === 0 && r.rejected === 3)).toBe(true);
    await addToCart(first, 'CB-005'); // the page notices
    expect(await first.textContent('#account-message')).toContain('no longer accepts your credential');
  });
});

describe('jwt server page, through the load balancer', () => {
  it('a whole journey: register, fill the cart, read the token, log out, the old token still works everywhere until exp', async () => {
    const page = await newPage();
    await open(page, stack.jwtUrl);
    expect(await page.textContent('#server-kind')).toContain('jwt server');
    await register(page, uniqueUsername('e2e'));

    // The refresh token: an HttpOnly __Secure- cookie scoped to /auth/refresh; the access token
    // lives in the page's memory and is shown decoded.
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => c.name)).toEqual(['__Secure-rt']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/auth/refresh' });
    expect(await documentCookie(page)).toBe('');
    const payload = JSON.parse((await page.textContent('[data-testid=jwt-payload]')) ?? '{}');
    expect(payload).toMatchObject({ iss: 'sessions-vs-tokens', aud: 'sessions-vs-tokens-api', role: 'user' });
    expect(payload.exp - payload.iat).toBe(300);

    await addToCart(page, 'MN-003');
    await addToCart(page, 'ST-006');
    expect(await cartTotal(page)).toBe('€288.00');
    expect(await instancesSeen(page)).toEqual(JWT_IDS);

    // A reload loses the in-memory access token; the refresh cookie gets a new one.
    await open(page, stack.jwtUrl);
    expect(await page.textContent('#account')).toContain('Logged in as');
    expect(await cartTotal(page)).toBe('€288.00');

    await click(page, 'button:has-text("Log out")');
    expect(await page.context().cookies()).toEqual([]);
    expect(await page.textContent('#credential')).toContain('Old access token');
    const { rows, verdict } = await replay(page);
    expect(rows.map((r) => r.instance)).toEqual(JWT_IDS);
    expect(rows.every((r) => r.accepted === 3 && r.rejected === 0)).toBe(true);
    expect(verdict).toContain('Accepted by all 3 instances');
    expect(verdict).toContain('Although you logged out');
  });

  it('logging out everywhere elsewhere: the token still works on every instance, the next refresh fails', async () => {
    const name = uniqueUsername('e2e');
    const first = await newPage();
    await open(first, stack.jwtUrl);
    await register(first, name);
    const second = await newPage();
    await open(second, stack.jwtUrl);
    await logIn(second, name);
    await click(second, 'button:has-text("Log out everywhere")');

    const { rows } = await replay(first);
    expect(rows.every((r) => r.accepted === 3)).toBe(true);
    await click(first, 'button:has-text("Refresh access token")');
    expect(await first.textContent('#account-message')).toContain('Refresh refused');
  });
});

describe('the page served directly by one instance (no load balancer, plain HTTP)', () => {
  it('works the same, with the unprefixed cookie, and says only one instance answered', async () => {
    const page = await newPage();
    await open(page, stack.session[0].url);
    await register(page, uniqueUsername('e2e'));
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.secure, c.httpOnly])).toEqual([['sid', false, true]]);
    await addToCart(page, 'WC-007');
    expect(await cartTotal(page)).toBe('€59.00');
    expect(await instancesSeen(page)).toEqual(['session-1']);
    const { verdict } = await replay(page);
    expect(verdict).toContain('Only one instance answered');
    await idle(page);
  });
});
