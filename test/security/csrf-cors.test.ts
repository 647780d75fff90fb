// CSRF and cross-origin (SECURITY.md "CSRF and cross-origin"): every POST/PUT/DELETE from a foreign
// origin is refused with 403 forbidden_origin BEFORE anything changes (checked by reading the state
// back), login CSRF included; GET never changes state; CORS answers only configured origins, never
// reflects another one and never combines `*` with credentials.
import { type ApiResponse, ApiClient, PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const EVIL = 'https://evil.example';

function expectForbiddenOrigin(res: ApiResponse): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 403, code: 'forbidden_origin' });
  expect(res.headers.get('access-control-allow-origin')).toBeNull();
}

/** No live credential issued: no token in the body, no Set-Cookie other than clearing ones. */
function expectNoCredentialIssued(res: ApiResponse): void {
  expect(res.body?.accessToken).toBeUndefined();
  expect(res.setCookies.filter((c) => !/max-age=0|expires=thu, 01 jan 1970/i.test(c))).toEqual([]);
}

const cartOf = async (client: ApiClient) => {
  const res = await client.get('/cart');
  expect(res.status).toBe(200);
  return res.body.items.map((i: { sku: string; qty: number }) => `${i.sku}x${i.qty}`);
};

describe.each(STRATEGIES)('%s server: cross-site state changes are refused', (strategy) => {
  let server: TestServer;
  let victim: ApiClient;
  let admin: ApiClient;
  let target: ApiClient; // a user the admin could disable
  let sessionId: string;

  beforeAll(async () => {
    server = await startTestServer(strategy);
    victim = await new ApiClient(strategy, server.url).signUp();
    expect((await victim.post('/cart/items', { sku: 'KB-001', qty: 2 })).status).toBe(200);
    admin = new ApiClient(strategy, server.url);
    expect((await admin.login('admin', PASSWORD)).status).toBe(200);
    target = await new ApiClient(strategy, server.url).signUp();
    const sessions = await victim.get('/auth/sessions');
    sessionId = sessions.body.sessions.find((s: { current: boolean }) => s.current)?.id ?? sessions.body.sessions[0].id;
  });

  // After every attack: the victim's credential works, the cart is as it was, the password is the
  // same, and the admin did not disable anyone.
  afterEach(async () => {
    expect((await victim.get('/auth/me')).status).toBe(200);
    expect(await cartOf(victim)).toEqual(['KB-001x2']);
    const fresh = await new ApiClient(strategy, server.url).login(victim.username!, PASSWORD);
    expect(fresh.status).toBe(200);
    expect((await target.get('/auth/me')).status).toBe(200);
    expect((await admin.get('/auth/me')).status).toBe(200);
  });

  const attacks: [string, (h: Record<string, string>) => Promise<ApiResponse>][] = [
    ['POST /cart/items', (h) => victim.post('/cart/items', { sku: 'MS-002', qty: 1 }, { headers: h })],
    ['PUT /cart/items/KB-001', (h) => victim.put('/cart/items/KB-001', { qty: 50 }, { headers: h })],
    ['DELETE /cart/items/KB-001', (h) => victim.delete('/cart/items/KB-001', { headers: h })],
    ['DELETE /cart', (h) => victim.delete('/cart', { headers: h })],
    ['POST /auth/logout', (h) => victim.clone().post('/auth/logout', undefined, { headers: h })],
    ['POST /auth/logout-all', (h) => victim.clone().post('/auth/logout-all', undefined, { headers: h })],
    [
      'POST /auth/password',
      (h) => victim.clone().post('/auth/password', { currentPassword: PASSWORD, newPassword: 'attacker-chosen-password' }, { headers: h }),
    ],
    ['DELETE /auth/sessions/:id', (h) => victim.clone().delete(`/auth/sessions/${sessionId}`, { headers: h })],
    ['POST /admin/users/:id/disable', (h) => admin.clone().post(`/admin/users/${target.userId}/disable`, undefined, { headers: h })],
    ['POST /auth/refresh', (h) => victim.clone().post('/auth/refresh', undefined, { headers: h })],
  ];

  describe(`Origin: ${EVIL}`, () => {
    it.each(attacks)('%s: 403 forbidden_origin, nothing changes', async (_name, attack) => {
      const res = await attack({ origin: EVIL });
      expectForbiddenOrigin(res);
      expectNoCredentialIssued(res);
    });
  });

  describe('Sec-Fetch-Site: cross-site (no Origin)', () => {
    it.each(attacks)('%s: 403 forbidden_origin, nothing changes', async (_name, attack) => {
      const res = await attack({ 'sec-fetch-site': 'cross-site' });
      expectForbiddenOrigin(res);
      expectNoCredentialIssued(res);
    });
  });

  describe('login CSRF (POST /auth/login from another site)', () => {
    const origins = () => [
      EVIL,
      'null',
      `http://127.0.0.1:${server.port + 1}`,
      `https://127.0.0.1:${server.port}`,
      `http://127.0.0.1:${server.port}.evil.example`,
      `http://localhost:${server.port}`,
    ];

    it('every foreign Origin: 403 forbidden_origin, no credential issued, no session/family created', async () => {
      const before = (await victim.get('/auth/sessions')).body.sessions.length;
      for (const origin of origins()) {
        const res = await new ApiClient(strategy, server.url).post('/auth/login', { username: victim.username, password: PASSWORD }, { headers: { origin } });
        expect({ origin, status: res.status, code: res.body?.error?.code }).toEqual({ origin, status: 403, code: 'forbidden_origin' });
        expectNoCredentialIssued(res);
      }
      const res = await new ApiClient(strategy, server.url).post(
        '/auth/login',
        { username: victim.username, password: PASSWORD },
        { headers: { 'sec-fetch-site': 'cross-site' } },
      );
      expectForbiddenOrigin(res);
      expectNoCredentialIssued(res);
      // The afterEach login adds one session per test; here none was added by the refused attempts.
      expect((await victim.get('/auth/sessions')).body.sessions.length).toBe(before);
    });

    it('POST /auth/register from another site: 403 forbidden_origin, the account is not created', async () => {
      const username = uniqueUsername('csrf');
      expectForbiddenOrigin(await new ApiClient(strategy, server.url).post('/auth/register', { username, password: PASSWORD }, { headers: { origin: EVIL } }));
      expect((await new ApiClient(strategy, server.url).register(username)).status).toBe(201);
    });
  });

  describe('other foreign origins on POST /cart/items', () => {
    it.each([
      ['Origin: null (sandboxed iframe, file:, redirects)', () => 'null'],
      ['another port on the same host', () => `http://127.0.0.1:${server.port + 1}`],
      ['https instead of http', () => `https://127.0.0.1:${server.port}`],
      ['our host as a subdomain prefix', () => `http://127.0.0.1:${server.port}.evil.example`],
      ['localhost instead of 127.0.0.1 (another origin)', () => `http://localhost:${server.port}`],
      ['the Origin with a path appended', () => `http://127.0.0.1:${server.port}/`],
    ])('%s: 403 forbidden_origin', async (_name, origin) => {
      expectForbiddenOrigin(await victim.post('/cart/items', { sku: 'MS-002', qty: 1 }, { headers: { origin: origin() } }));
    });
  });

  describe('same-origin and non-browser requests are allowed', () => {
    const roundTrip = async (headers: Record<string, string>) => {
      const res = await victim.post('/cart/items', { sku: 'MS-002', qty: 1 }, { headers });
      expect(res.status).toBe(200);
      expect((await victim.delete('/cart/items/MS-002', { headers })).status).toBe(200);
    };

    it('POST/DELETE /cart/items with Origin equal to the server origin: 200', () => roundTrip({ origin: `http://127.0.0.1:${server.port}` }));
    it('POST/DELETE /cart/items with Sec-Fetch-Site: same-origin: 200', () =>
      roundTrip({ 'sec-fetch-site': 'same-origin', origin: `http://127.0.0.1:${server.port}` }));
    it('POST/DELETE /cart/items with no Origin (curl, native apps): 200', () => roundTrip({}));
    it('POST /auth/login with the server origin: 200 and a credential', async () => {
      const res = await new ApiClient(strategy, server.url).post(
        '/auth/login',
        { username: victim.username, password: PASSWORD },
        { headers: { origin: `http://127.0.0.1:${server.port}` } },
      );
      expect(res.status).toBe(200);
    });
  });

  describe('GET never changes state', () => {
    it.each([
      ['GET /cart/items?sku=MS-002&qty=1', '/cart/items?sku=MS-002&qty=1', 405],
      ['GET /auth/logout', '/auth/logout', 405],
      ['GET /auth/logout-all', '/auth/logout-all', 405],
      ['GET /auth/password?newPassword=x', `/auth/password?currentPassword=${encodeURIComponent(PASSWORD)}&newPassword=attacker-password`, 405],
      ['GET /auth/login?username&password', null, 405],
      ['GET /admin/users/:id/disable', null, 405],
      ['GET /auth/refresh', '/auth/refresh', 405],
    ])('%s: 405 method_not_allowed, nothing changes', async (name, path, status) => {
      let url = path;
      let client = victim;
      if (name.startsWith('GET /auth/login')) url = `/auth/login?username=${victim.username}&password=${encodeURIComponent(PASSWORD)}`;
      if (name.startsWith('GET /admin')) {
        url = `/admin/users/${target.userId}/disable`;
        client = admin;
      }
      const res = await client.clone().get(url!);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code: 'method_not_allowed' });
      expectNoCredentialIssued(res);
    });

    it('HEAD and OPTIONS on state-changing routes change nothing', async () => {
      for (const method of ['HEAD', 'OPTIONS']) {
        for (const path of ['/auth/logout', '/auth/logout-all', '/cart', '/cart/items/KB-001', `/admin/users/${target.userId}/disable`]) {
          const res = await victim.clone().request(method, path);
          expect(res.status).toBeLessThan(500);
        }
      }
    });

    it('GET /cart with X-HTTP-Method-Override: DELETE: 200, cart unchanged', async () => {
      const res = await victim.get('/cart', { headers: { 'x-http-method-override': 'DELETE', 'x-method-override': 'DELETE' } });
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(1);
    });

    it('GET /cart with a foreign Origin: readable by curl, but no CORS header lets a page read it', async () => {
      const res = await victim.get('/cart', { headers: { origin: EVIL } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });
  });
});

describe.each(STRATEGIES)('%s server: CORS with ALLOWED_ORIGINS', (strategy) => {
  const APP = 'https://app.example';
  const ADMIN_APP = 'https://admin.example:8443';
  let server: TestServer;
  let user: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(strategy, { ALLOWED_ORIGINS: `${APP},${ADMIN_APP}` });
    user = await new ApiClient(strategy, server.url).signUp();
  });

  afterEach(async () => {
    expect((await user.get('/auth/me')).status).toBe(200);
  });

  it.each([[APP], [ADMIN_APP]])('POST /cart/items from listed origin %s: 200, CORS names exactly it, with credentials', async (origin) => {
    // A browser on another site also sends Sec-Fetch-Site: cross-site: a listed origin is still allowed.
    const res = await user.post('/cart/items', { sku: 'MS-002', qty: 1 }, { headers: { origin, 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('vary') ?? '').toMatch(/\borigin\b/i);
    expect((await user.delete('/cart/items/MS-002', { headers: { origin } })).status).toBe(200);
  });

  it('OPTIONS preflight from a listed origin: 2xx, allows exactly that origin with credentials', async () => {
    const res = await user.request('OPTIONS', '/cart/items', {
      auth: false,
      headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-allow-methods') ?? '').toMatch(/POST/);
  });

  it.each([
    ['an unlisted origin', EVIL],
    ['a listed origin as a prefix of another host', `${APP}.evil.example`],
    ['a listed origin as a suffix', 'https://evil-app.example'],
    ['a listed host over http', 'http://app.example'],
    ['a listed host on another port', 'https://app.example:8443'],
    ['a listed origin with a trailing slash', `${APP}/`],
    ['a listed origin with different case', 'https://APP.example'],
    ['null', 'null'],
    ['two origins in one header', `${APP} ${EVIL}`],
    ['a wildcard', '*'],
  ])('POST /cart/items from %s: 403 forbidden_origin, never reflected', async (_name, origin) => {
    const res = await user.post('/cart/items', { sku: 'MS-002', qty: 1 }, { headers: { origin } });
    expectForbiddenOrigin(res);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(await cartOf(user)).toEqual([]);
  });

  it.each([[EVIL], ['null'], [`${APP}.evil.example`]])('GET and OPTIONS from %s: no Access-Control-Allow-Origin', async (origin) => {
    for (const res of [
      await user.get('/cart', { headers: { origin } }),
      await user.get('/products', { headers: { origin } }),
      await user.request('OPTIONS', '/cart/items', { auth: false, headers: { origin, 'access-control-request-method': 'POST' } }),
    ]) {
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('no response ever carries Access-Control-Allow-Origin: *', async () => {
    const responses = [
      await user.get('/products'),
      await user.get('/products', { headers: { origin: APP } }),
      await user.get('/cart', { headers: { origin: APP } }),
      await user.get('/auth/me', { headers: { origin: EVIL } }),
      await new ApiClient(strategy, server.url).get('/auth/me', { headers: { origin: APP } }),
      await user.request('OPTIONS', '/auth/login', { auth: false, headers: { origin: APP, 'access-control-request-method': 'POST' } }),
    ];
    for (const res of responses) expect(res.headers.get('access-control-allow-origin')).not.toBe('*');
  });

  it('POST /auth/login from a listed origin works; from an unlisted one it issues nothing', async () => {
    const ok = await new ApiClient(strategy, server.url).post('/auth/login', { username: user.username, password: PASSWORD }, { headers: { origin: APP } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    const refused = await new ApiClient(strategy, server.url).post(
      '/auth/login',
      { username: user.username, password: PASSWORD },
      { headers: { origin: EVIL } },
    );
    expectForbiddenOrigin(refused);
    expectNoCredentialIssued(refused);
  });
});
