// The demo page (GET /) in headless Chromium, through the compose load balancer's own nginx
// configuration (TLS, round robin) in front of three instances of each server, as `docker compose
// up` runs it: a newcomer's whole journey on each server, and what replaying a credential after a
// logout does on every instance. The same instances are also reached through the Node round-robin
// proxy (npm run demo without nginx) and directly (one instance, as npm run dev): the page's text
// must describe each of these set-ups, and fit a phone's screen.
import type { BrowserContext, Page } from 'playwright-core';
import { type Stack, startStack } from '../../deploy/local-stack';
import { type RoundRobinProxy, startRoundRobinProxy } from '../../deploy/round-robin-proxy';
import { generateJwtKeys, startInstance } from '../../scripts/instances';
import { newDatabase, uniqueUsername } from '../support/harness';
import { launchBrowser, type TestBrowser } from './browser';
import {
  addToCart,
  cartTotal,
  click,
  documentCookie,
  idle,
  instancesSeen,
  logIn,
  open,
  overflowing,
  register,
  replay,
  sidewaysScroll,
  visibleText,
  withinViewportWidth,
} from './demo-page';

let databaseUrl: string;
let stack: Stack;
let proxies: { session: RoundRobinProxy; jwt: RoundRobinProxy };
let browser: TestBrowser;
const opened: BrowserContext[] = [];
const problems: string[][] = [];

beforeAll(async () => {
  // Chromium first: on a machine without it this fails at once, naming the package to install.
  browser = await launchBrowser();
  databaseUrl = await newDatabase();
  stack = await startStack({ databaseUrl, instances: 3, balancer: 'nginx', env: { SCRYPT_LOG_N: '10' }, urlHost: '127.0.0.1' });
  // The Node proxy of `npm run demo --no-nginx`, in front of the same instances.
  proxies = {
    session: await startRoundRobinProxy(stack.session.map((i) => i.url)),
    jwt: await startRoundRobinProxy(stack.jwt.map((i) => i.url)),
  };
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([proxies?.session.stop(), proxies?.jwt.stop()]);
  await stack?.stop();
});

async function newPage(width = 1280): Promise<Page> {
  const p = await browser.newPage();
  if (width !== 1280) await p.page.setViewportSize({ width, height: 844 });
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
    expect(verdict).toContain('Accepted by all 3 instances, although this token was revoked');
    expect(verdict).toContain('You logged out');
    expect(verdict).toContain('still works until its exp');
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

    // The first page knows nothing of it, yet Replay says what happened, and why the token lives on.
    const { rows, verdict } = await replay(first);
    expect(rows.every((r) => r.accepted === 3)).toBe(true);
    expect(verdict).toContain('Accepted by all 3 instances, although this token was revoked');
    expect(verdict).toContain('This login was revoked elsewhere');
    expect(verdict).toContain('still works until its exp');
    expect(verdict).toMatch(/signing key alone.*asks no database/);
    expect(verdict).not.toContain('Nothing is sticky');
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

describe('jwt-denylist (one instance of its own)', () => {
  it('refuses the token once its login is revoked elsewhere, and the page says why', async () => {
    const env = { AUTH_VARIANT: 'jwt-denylist', JWT_KEYS: generateJwtKeys('denylist'), SCRYPT_LOG_N: '10', HOST: '127.0.0.1' };
    const instance = await startInstance({ strategy: 'jwt', databaseUrl, env, startTimeoutMs: 60_000 });
    try {
      const name = uniqueUsername('e2e');
      const first = await newPage();
      await open(first, instance.url);
      await register(first, name);
      expect((await replay(first)).verdict).toContain('Accepted.');
      const second = await newPage();
      await open(second, instance.url);
      await logIn(second, name);
      await click(second, 'button:has-text("Log out everywhere")');
      const { rows, verdict } = await replay(first);
      expect(rows).toEqual([{ instance: instance.instanceId, accepted: 0, rejected: 9, other: 0 }]);
      expect(verdict).toContain('Rejected (401).');
      expect(verdict).toContain('the jwt-denylist variant looks the login up in PostgreSQL on every request');
    } finally {
      await instance.stop();
    }
  });
});

describe('the text matches the set-up the page runs in', () => {
  const journey = async (page: Page, url: string) => {
    await open(page, url);
    await register(page, uniqueUsername('e2e'));
    await addToCart(page, 'KB-001');
  };

  it('behind nginx: TLS and round robin; jwt instances share a signing key', async () => {
    const session = await newPage();
    await journey(session, stack.sessionUrl);
    expect(await session.textContent('[data-testid=setup]')).toBe('instances behind nginx, round robin');
    expect(await visibleText(session, '[data-testid=setup-text]')).toContain('behind nginx, which terminates TLS');
    const jwt = await newPage();
    await journey(jwt, stack.jwtUrl);
    expect((await replay(jwt)).verdict).toContain('every instance holds the same signing key (none of them asks the database)');
    expect(await visibleText(jwt, '#credential')).toContain('Every instance holds the same signing key');
  });

  it('behind the Node proxy: a round-robin proxy on plain HTTP, never a TLS balancer', async () => {
    for (const url of [proxies.session.url, proxies.jwt.url]) {
      const page = await newPage();
      await journey(page, url);
      expect(await page.textContent('[data-testid=setup]')).toBe('instances behind a Node round-robin proxy');
      expect(await visibleText(page, '[data-testid=setup-text]')).toContain('round-robin proxy written in Node');
      const { verdict } = await replay(page);
      expect(verdict).toContain('Accepted by all 3 instances');
      const text = await visibleText(page);
      expect(text).toContain('through the load balancer');
      expect(text).not.toMatch(/TLS|nginx/);
    }
  });

  it('a balancer that does not name itself (an ingress): the page notices the second instance', async () => {
    const silent = await startRoundRobinProxy(
      stack.jwt.map((i) => i.url),
      { announce: null },
    );
    try {
      const page = await newPage();
      await journey(page, silent.url);
      expect(await page.textContent('[data-testid=setup]')).toBe('instances behind a load balancer');
      expect(await visibleText(page, '[data-testid=setup-text]')).toContain('behind a load balancer (no sticky sessions)');
      const text = await visibleText(page);
      expect(text).not.toMatch(/talks to one instance|TLS|nginx/);
    } finally {
      await silent.stop();
    }
  });

  it('one instance, nothing in front (npm run dev): no word of a load balancer', async () => {
    for (const url of [stack.session[0].url, stack.jwt[0].url]) {
      const page = await newPage();
      await journey(page, url);
      expect(await page.textContent('[data-testid=setup]')).toBe('one instance, nothing in front');
      const { verdict } = await replay(page);
      expect(verdict).toMatch(/^Accepted\. The instance (found the session in PostgreSQL|checked the signature and expiry with its key)/);
      const text = await visibleText(page);
      expect(text).toContain('talks to one instance');
      expect(text).not.toMatch(/balancer|proxy|every instance accepts|Nothing is sticky/i);
    }
  });
});

describe('on a phone (390 px wide)', () => {
  for (const kind of ['session', 'jwt'] as const) {
    it(`the ${kind} page does not scroll sideways, keeps the instance column in view and every card's content inside it`, async () => {
      const page = await newPage(390);
      await open(page, kind === 'session' ? stack.sessionUrl : stack.jwtUrl);
      expect(await sidewaysScroll(page)).toBe(0);
      await register(page, uniqueUsername('e2e-phone'));
      await addToCart(page, 'KB-001');
      await addToCart(page, 'MN-003');
      await click(page, 'button:has-text("Log out")');
      await replay(page);
      expect(await sidewaysScroll(page)).toBe(0);
      expect(await page.locator('#requests tr').count()).toBeGreaterThan(10);
      // Which instance answered is the point of the list: its column is on screen.
      expect(await withinViewportWidth(page, '#requests-card thead th:has-text("instance")')).toBe(true);
      expect(await withinViewportWidth(page, '#requests tr:first-child .badge')).toBe(true);
      expect(await withinViewportWidth(page, '[data-testid=replay-table]')).toBe(true);
      for (const card of ['#account-card', '#products-card', '#cart-card', '#credential-card', '#sessions-card', '#replay-card', '#requests-card']) {
        expect({ card, overflowing: await overflowing(page, card) }).toEqual({ card, overflowing: [] });
      }
      if (kind === 'jwt') {
        // The decoded token, a long jti included, wraps inside its card.
        expect(await page.locator('[data-testid=jwt-payload]').isVisible()).toBe(true);
        expect(await visibleText(page, '[data-testid=jwt-payload]')).toContain('"jti"');
      }
    });
  }
});
