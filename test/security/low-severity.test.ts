// Issue 8, the low-severity defects: methods nobody routes answered `501 text/plain`; LOG_REQUESTS
// logged only successful requests; refresh was unlimited; no blocklist of common passwords; concurrent password changes with the same
// current password all succeeded. (JWT_KEYS: jwt-keys-entropy.test.ts; pruning of login_failures:
// login-failures-prune.test.ts.) Plus the cart's quantity limit
// under 50 parallel adds (already atomic; kept here so it stays so).
import { randomBytes } from 'node:crypto';
import { ApiClient, eventually, PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';
import { sendRaw, shape, tally } from '../support/attack';

afterAll(stopAllServers);

const servers = new Map<string, TestServer>();
/** One plain server per strategy, shared by the tests that need nothing special. */
async function plain(strategy: 'session' | 'jwt'): Promise<TestServer> {
  const key = `plain-${strategy}`;
  if (!servers.has(key)) servers.set(key, await startTestServer(strategy, { LOGIN_MAX_FAILURES: '100', LOGIN_CLIENT_MAX_FAILURES: '100000' }));
  return servers.get(key)!;
}

async function loggedIn(strategy: 'session' | 'jwt', url: string, username: string): Promise<ApiClient> {
  const client = new ApiClient(strategy, url);
  const res = await client.login(username);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return client;
}

describe.each(STRATEGIES)('%s server', (strategy) => {
  describe('methods nobody routes: a JSON 405 method_not_allowed, never 5xx', () => {
    const cases = ['TRACE', 'PROPFIND', 'PURGE', 'SEARCH', 'LOCK'].flatMap((method) => ['/cart', '/'].map((path) => ({ method, path })));
    it.each(cases)('$method $path', async ({ method, path }) => {
      const res = await sendRaw((await plain(strategy)).url, method, path);
      expect({ status: res.status, type: res.header('content-type'), code: res.json?.error?.code }).toEqual({
        status: 405,
        type: expect.stringMatching(/^application\/json/),
        code: 'method_not_allowed',
      });
    });
  });

  describe('common passwords and the username as password: 400 validation_failed at registration', () => {
    const cases = ['password123', 'qwertyuiop', 'iloveyou1'].map((password) => ({ label: password, password: () => password }));
    it.each(cases)('$label', async ({ password }) => {
      const res = await new ApiClient(strategy, (await plain(strategy)).url).register(uniqueUsername('common'), password());
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
    });

    it('the password equals the username in another ASCII letter case', async () => {
      const name = uniqueUsername('Same');
      for (const password of [name, name.toUpperCase(), name.toLowerCase()]) {
        const res = await new ApiClient(strategy, (await plain(strategy)).url).register(name, password);
        expect({ password, status: res.status, code: res.body?.error?.code }).toEqual({ password, status: 400, code: 'validation_failed' });
      }
    });
  });

  it('20 concurrent password changes with the same current password: exactly one wins, and only its password logs in', async () => {
    const server = await plain(strategy);
    const user = await new ApiClient(strategy, server.url).signUp();
    // Twenty devices of one user, each with its own session / token family, all changing at once.
    const devices = [];
    for (let i = 0; i < 20; i++) devices.push(await loggedIn(strategy, server.url, user.username!));
    const newPasswords = devices.map((_, i) => `concurrent new password ${i} ${randomBytes(4).toString('hex')}`);
    const answers = await Promise.all(devices.map((d, i) => d.post('/auth/password', { currentPassword: PASSWORD, newPassword: newPasswords[i] })));
    const counts = tally(answers.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim()));
    // Losers: the current password no longer matches (403), a conflict (409), the throttle (429), or
    // (session) the winner revoked the session they came with (401).
    const losersOk = answers.filter((r) => r.status !== 200).every((r) => [401, 403, 409, 429].includes(r.status));
    expect({ counts, winners: answers.filter((r) => r.status === 200).length, losersOk }).toEqual({ counts, winners: 1, losersOk: true });

    const winner = newPasswords[answers.findIndex((r) => r.status === 200)];
    const logsIn: string[] = [];
    for (const password of [...newPasswords, PASSWORD]) {
      if ((await new ApiClient(strategy, server.url).login(user.username!, password)).status === 200) logsIn.push(password);
    }
    expect(logsIn).toEqual([winner]);
  });

  it('50 concurrent adds of 2 to one cart line: the line never passes 99 and holds 2 x the adds that succeeded', async () => {
    const user = await new ApiClient(strategy, (await plain(strategy)).url).signUp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => user.post('/cart/items', { sku: 'KB-001', qty: 2 })));
    const ok = answers.filter((r) => r.status === 200).length;
    for (const r of answers.filter((a) => a.status !== 200))
      expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 409, code: 'cart_quantity_limit' });
    const cart = await user.get('/cart');
    const qty = cart.body.items.find((i: { sku: string }) => i.sku === 'KB-001')?.qty ?? 0;
    expect({ qty, atMost99: qty <= 99 }).toEqual({ qty: 2 * ok, atMost99: true });
  });

  it('LOG_REQUESTS=1: 401 and 404 answers are logged too, and no credential value appears in any line', async () => {
    const server = await startTestServer(strategy, { LOG_REQUESTS: '1' });
    const user = await new ApiClient(strategy, server.url).signUp();
    expect((await user.get('/auth/me')).status).toBe(200);
    const fakeBearer = `secret-bearer-${randomBytes(8).toString('hex')}`;
    const fakeCookie = `secret-cookie-${randomBytes(8).toString('hex')}`;
    const denied = await new ApiClient(strategy, server.url).get('/auth/me', {
      headers: { authorization: `Bearer ${fakeBearer}`, cookie: `sid=${fakeCookie}; rt=${fakeCookie}` },
    });
    expect(denied.status).toBe(401);
    const missing = `/no-such-page-${randomBytes(4).toString('hex')}`;
    expect((await new ApiClient(strategy, server.url).get(missing)).status).toBe(404);

    const requestLines = () =>
      server.logs.flatMap((l) => {
        try {
          const o = JSON.parse(l) as { msg?: string; status?: number; path?: string };
          return o.msg === 'request' ? [o] : [];
        } catch {
          return [];
        }
      });
    const logged = (status: number, path: string) => requestLines().some((o) => o.status === status && o.path === path);
    expect(await eventually(async () => logged(401, '/auth/me') && logged(404, missing), 5000)).toBe(true);

    const secrets = [fakeBearer, fakeCookie, PASSWORD, ...[...user.cookies.values()].map((c) => c.value)];
    if (user.accessToken) secrets.push(user.accessToken, user.accessToken.split('.')[2]);
    expect(server.logs.filter((line) => secrets.some((s) => line.includes(s)))).toEqual([]);
  });
});

describe('jwt: refresh is rate limited per family (10 a minute)', () => {
  it('30 rapid sequential refreshes of one family: some get 429 too_many_requests + Retry-After', async () => {
    const client = await new ApiClient('jwt', (await plain('jwt')).url).signUp();
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await client.post('/auth/refresh'));
    const limited = answers.filter((r) => r.status === 429);
    expect({ counts: tally(answers.map((r) => r.status)), limited: limited.length > 0 }).toEqual({
      counts: tally(answers.map((r) => r.status)),
      limited: true,
    });
    for (const r of limited) expect(shape(r)).toEqual({ status: 429, code: 'too_many_requests', retryAfter: true });
    // Nothing else than a rotation or the limit (no family revoked by the limit itself, no 500).
    expect(answers.every((r) => r.status === 200 || r.status === 429)).toBe(true);
  });
});
