// Security: the session cookie's attributes, its name per channel, logout, and "cookie only"
// (SECURITY.md "Session identifier and cookie"; RFC 6265bis; ASVS 5.0 7.4.1). Black box over real
// HTTP against running session servers; after every attack a valid credential still works.
import pg from 'pg';
import { ApiClient, type ApiResponse, PASSWORD, sql, startTestServer, stopAllServers, type TestServer } from '../support/harness';

afterAll(stopAllServers);

const TWELVE_HOURS_S = 12 * 60 * 60;
const HTTPS = { 'x-forwarded-proto': 'https' };

/** The Set-Cookie line for `name`, split into its value and (lower-cased) attributes. */
function cookieOf(res: ApiResponse, name: string): { value: string; attrs: Map<string, string> } {
  const lines = res.setCookies.filter((c) => c.startsWith(`${name}=`));
  expect(lines).toHaveLength(1);
  const [pair, ...rest] = lines[0].split(';').map((s) => s.trim());
  const attrs = new Map(rest.map((a) => [a.split('=')[0].toLowerCase(), a.split('=')[1] ?? '']));
  return { value: pair.slice(name.length + 1), attrs };
}

async function expectStillWorks(c: ApiClient, headers: Record<string, string> = {}): Promise<void> {
  expect((await c.get('/auth/me', { headers })).status).toBe(200);
}

describe('session cookie over plain HTTP', () => {
  let server: TestServer;
  let user: ApiClient;
  let login: ApiResponse;

  beforeAll(async () => {
    server = await startTestServer('session');
    user = new ApiClient('session', server.url);
    expect((await user.register()).status).toBe(201);
    login = await user.login();
    expect(login.status).toBe(200);
  });

  afterEach(async () => expectStillWorks(user));

  it('is named sid (generic), HttpOnly, SameSite=Lax, Path=/, no Domain, not Secure, Max-Age <= 12 h', () => {
    const { value, attrs } = cookieOf(login, 'sid');
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(attrs.has('httponly')).toBe(true);
    expect(attrs.get('samesite')?.toLowerCase()).toBe('lax');
    expect(attrs.get('path')).toBe('/');
    expect(attrs.has('domain')).toBe(false);
    // Koa throws (500) on a Secure cookie over plain HTTP; here the request is plain HTTP.
    expect(attrs.has('secure')).toBe(false);
    const maxAge = Number(attrs.get('max-age'));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(TWELVE_HOURS_S);
  });

  it('is the only cookie: no koa.sess, no signature cookie, no __Host- variant', () => {
    expect(login.setCookies.map((c) => c.split('=')[0])).toEqual(['sid']);
  });

  it('never puts the id in a response body', async () => {
    const sid = user.cookies.get('sid')!.value;
    expect(login.text).not.toContain(sid);
    const me = await user.get('/auth/me');
    expect(me.text).not.toContain(sid);
    expect((await user.get('/auth/sessions')).text).not.toContain(sid);
  });

  it('ignores X-Forwarded-Proto when no proxy is trusted (no __Host-, no Secure)', async () => {
    const c = new ApiClient('session', server.url);
    const raw = await c.post('/auth/login', { username: user.username, password: PASSWORD }, { headers: HTTPS });
    expect(raw.status).toBe(200);
    const { attrs } = cookieOf(raw, 'sid');
    expect(attrs.has('secure')).toBe(false);
  });

  it.each([
    ['the query string', (sid: string) => ({ path: `/auth/me?sid=${sid}`, headers: {} })],
    ['an Authorization: Bearer header', (sid: string) => ({ path: '/auth/me', headers: { authorization: `Bearer ${sid}` } })],
    ['an X-Session-Id header', (sid: string) => ({ path: '/auth/me', headers: { 'x-session-id': sid } })],
    ['cookies with other names', (sid: string) => ({ path: '/auth/me', headers: { cookie: `koa.sess=${sid}; session=${sid}; SID=${sid}` } })],
  ])('accepts the id from the cookie only, not from %s', async (_where, place) => {
    const sid = user.cookies.get('sid')!.value;
    const { path, headers } = place(sid);
    const res = await new ApiClient('session', server.url).get(path, { headers });
    expect(res.status).toBe(401);
  });

  it('ignores an id sent in the body of a state-changing request', async () => {
    const sid = user.cookies.get('sid')!.value;
    const res = await new ApiClient('session', server.url).post('/cart/items', { sku: 'KB-001', qty: 1, sid });
    expect([400, 401]).toContain(res.status);
    expect((await new ApiClient('session', server.url).post('/auth/logout', { sid })).status).toBe(401);
  });

  it('ignores a __Host-sid cookie sent over plain HTTP (it is only ever issued over HTTPS)', async () => {
    const sid = user.cookies.get('sid')!.value;
    const res = await new ApiClient('session', server.url).get('/auth/me', { headers: { cookie: `__Host-sid=${sid}` } });
    expect(res.status).toBe(401);
  });

  it('logout deletes the row, clears the cookie (Max-Age=0, same name and attributes) and sends Clear-Site-Data', async () => {
    const c = new ApiClient('session', server.url);
    expect((await c.login(user.username!)).status).toBe(200);
    const stolen = c.clone();
    const publicId = (await c.get('/auth/me')).body.credential.sessionId;
    const before = await sql(server.databaseUrl, 'SELECT 1 FROM sessions WHERE public_id = $1', [publicId]);
    expect(before).toHaveLength(1);

    const res = await c.post('/auth/logout');
    expect(res.status).toBe(204);
    expect(res.headers.get('clear-site-data')).toBe('"cookies"');
    const { value, attrs } = cookieOf(res, 'sid');
    expect(value).toBe('');
    expect(attrs.get('max-age')).toBe('0');
    expect(attrs.has('httponly')).toBe(true);
    expect(attrs.get('samesite')?.toLowerCase()).toBe('lax');
    expect(attrs.get('path')).toBe('/');
    expect(attrs.has('domain')).toBe(false);

    expect(await sql(server.databaseUrl, 'SELECT 1 FROM sessions WHERE public_id = $1', [publicId])).toHaveLength(0);
    // Replay of the old cookie (ASVS 5.0 7.4.1).
    expect((await stolen.get('/auth/me')).status).toBe(401);
    expect((await stolen.post('/auth/logout')).status).toBe(401);
  });

  it('is not read by requests that need no authentication (GET /products never touches the sessions table)', async () => {
    // Gray box: hold an exclusive lock on the sessions table. A request that read it would block.
    const locker = new pg.Client({ connectionString: server.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
      // Control: an authenticated request does read it, so it waits for the lock.
      let meDone = false;
      const me = user.get('/auth/me').then((r) => {
        meDone = true;
        return r;
      });
      const products = await user.get('/products'); // with the cookie
      expect(products.status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      expect(meDone).toBe(false);
      await locker.query('COMMIT');
      expect((await me).status).toBe(200);
    } finally {
      await locker.end();
    }
  });
});

describe('session cookie over HTTPS (TRUST_PROXY=1, X-Forwarded-Proto: https)', () => {
  let server: TestServer;
  let user: ApiClient;
  let login: ApiResponse;

  beforeAll(async () => {
    server = await startTestServer('session', { TRUST_PROXY: '1' });
    user = new ApiClient('session', server.url);
    expect((await user.register()).status).toBe(201);
    login = await user.post('/auth/login', { username: user.username, password: PASSWORD }, { headers: HTTPS });
    expect(login.status).toBe(200);
  });

  afterEach(async () => expectStillWorks(user, HTTPS));

  it('is __Host-sid with Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, Max-Age <= 12 h', () => {
    expect(login.setCookies.map((c) => c.split('=')[0])).toEqual(['__Host-sid']);
    const { value, attrs } = cookieOf(login, '__Host-sid');
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(attrs.has('secure')).toBe(true);
    expect(attrs.has('httponly')).toBe(true);
    expect(attrs.get('samesite')?.toLowerCase()).toBe('lax');
    expect(attrs.get('path')).toBe('/');
    expect(attrs.has('domain')).toBe(false);
    expect(Number(attrs.get('max-age'))).toBeLessThanOrEqual(TWELVE_HOURS_S);
  });

  it('is accepted over HTTPS only under its __Host- name', async () => {
    const sid = user.cookies.get('__Host-sid')!.value;
    const anon = new ApiClient('session', server.url);
    expect((await anon.get('/auth/me', { headers: { ...HTTPS, cookie: `__Host-sid=${sid}` } })).status).toBe(200);
    // A plain `sid` can be planted by anyone on the network or a sibling subdomain: ignored on HTTPS.
    expect((await anon.get('/auth/me', { headers: { ...HTTPS, cookie: `sid=${sid}` } })).status).toBe(401);
    // And the __Host- cookie is not accepted over plain HTTP.
    expect((await anon.get('/auth/me', { headers: { cookie: `__Host-sid=${sid}` } })).status).toBe(401);
  });

  it('plain HTTP through the same server still gets a non-Secure sid (no 500)', async () => {
    const c = new ApiClient('session', server.url);
    const res = await c.post('/auth/login', { username: user.username, password: PASSWORD });
    expect(res.status).toBe(200);
    const { attrs } = cookieOf(res, 'sid');
    expect(attrs.has('secure')).toBe(false);
  });

  it('logout clears __Host-sid with the same attributes (Secure included) and Max-Age=0', async () => {
    const c = new ApiClient('session', server.url);
    expect((await c.post('/auth/login', { username: user.username, password: PASSWORD }, { headers: HTTPS })).status).toBe(200);
    const stolen = c.clone();
    const res = await c.post('/auth/logout', undefined, { headers: HTTPS });
    expect(res.status).toBe(204);
    const { value, attrs } = cookieOf(res, '__Host-sid');
    expect(value).toBe('');
    expect(attrs.get('max-age')).toBe('0');
    expect(attrs.has('secure')).toBe(true);
    expect(attrs.get('path')).toBe('/');
    expect((await stolen.get('/auth/me', { headers: HTTPS })).status).toBe(401);
  });
});
