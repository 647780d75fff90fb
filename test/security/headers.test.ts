// Security headers on every API response, errors included, and no credential in the logs
// (SECURITY.md "Input and responses"). Each case names the surface; the header checks are the same
// for all of them, so a middleware that runs only on the happy path is caught on its error path.
import { type ApiResponse, ApiClient, PASSWORD, sleep, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

interface Case {
  name: string;
  /** Carries or depends on a credential: must be Cache-Control: no-store. */
  credential: boolean;
  status: number;
  send: () => Promise<ApiResponse>;
}

function expectSecurityHeaders(res: ApiResponse, instanceId: string): void {
  const h = res.headers;
  expect({
    nosniff: h.get('x-content-type-options'),
    csp: h.get('content-security-policy'),
    referrer: h.get('referrer-policy'),
    poweredBy: h.get('x-powered-by'),
    instance: h.get('x-instance-id'),
  }).toEqual({ nosniff: 'nosniff', csp: API_CSP, referrer: 'no-referrer', poweredBy: null, instance: instanceId });
  expect(h.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
}

describe.each(STRATEGIES)('%s server: security headers', (strategy) => {
  let server: TestServer;
  let user: ApiClient;
  let anon: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(strategy);
    user = await new ApiClient(strategy, server.url).signUp();
    anon = new ApiClient(strategy, server.url);
  });

  // In order: the last ones log out.
  const cases: Case[] = [
    { name: 'GET /products 200', credential: false, status: 200, send: () => anon.get('/products') },
    { name: 'GET /healthz 200', credential: false, status: 200, send: () => anon.get('/healthz') },
    { name: 'GET /readyz 200', credential: false, status: 200, send: () => anon.get('/readyz') },
    {
      name: 'POST /auth/register 201',
      credential: false,
      status: 201,
      send: () => anon.post('/auth/register', { username: uniqueUsername(), password: PASSWORD }, { auth: false }),
    },
    {
      name: 'POST /auth/register 409',
      credential: false,
      status: 409,
      send: () => anon.post('/auth/register', { username: user.username, password: PASSWORD }, { auth: false }),
    },
    { name: 'POST /auth/login 200', credential: true, status: 200, send: () => user.login() },
    {
      name: 'POST /auth/login 401',
      credential: true,
      status: 401,
      send: () => anon.post('/auth/login', { username: user.username, password: 'wrong password!' }),
    },
    { name: 'GET /auth/me 200', credential: true, status: 200, send: () => user.get('/auth/me') },
    { name: 'GET /auth/me 401', credential: true, status: 401, send: () => anon.get('/auth/me') },
    { name: 'GET /auth/sessions 200', credential: true, status: 200, send: () => user.get('/auth/sessions') },
    { name: 'GET /cart 200', credential: true, status: 200, send: () => user.get('/cart') },
    { name: 'POST /cart/items 200', credential: true, status: 200, send: () => user.post('/cart/items', { sku: 'KB-001', qty: 1 }) },
    { name: 'GET /cart 401', credential: true, status: 401, send: () => anon.get('/cart') },
    {
      name: 'POST /cart/items 400 invalid_json',
      credential: true,
      status: 400,
      send: () => user.request('POST', '/cart/items', { rawBody: '{', headers: { 'content-type': 'application/json' } }),
    },
    { name: 'POST /cart/items 400 validation_failed', credential: true, status: 400, send: () => user.post('/cart/items', { sku: 'KB-001', qty: 100 }) },
    { name: 'POST /cart/items 404 product_not_found', credential: true, status: 404, send: () => user.post('/cart/items', { sku: 'NOPE', qty: 1 }) },
    { name: 'POST /cart/items 413', credential: true, status: 413, send: () => user.post('/cart/items', { sku: 'x'.repeat(20_000), qty: 1 }) },
    {
      name: 'POST /cart/items 415',
      credential: true,
      status: 415,
      send: () => user.request('POST', '/cart/items', { rawBody: 'sku=KB-001', headers: { 'content-type': 'text/plain' } }),
    },
    {
      name: 'POST /cart/items 403 forbidden_origin',
      credential: true,
      status: 403,
      send: () => user.post('/cart/items', { sku: 'KB-001', qty: 1 }, { headers: { origin: 'https://evil.example' } }),
    },
    { name: 'POST /admin/users/1/disable 403 forbidden', credential: true, status: 403, send: () => user.post('/admin/users/1/disable') },
    { name: 'PATCH /cart 405', credential: true, status: 405, send: () => user.request('PATCH', '/cart', { body: {} }) },
    { name: 'GET /no-such-route 404', credential: false, status: 404, send: () => anon.get('/no-such-route') },
    {
      name: 'POST /auth/refresh (jwt 200, session 404)',
      credential: true,
      status: strategy === 'jwt' ? 200 : 404,
      send: () => user.post('/auth/refresh'),
    },
    { name: 'POST /auth/logout 204', credential: true, status: 204, send: () => user.post('/auth/logout') },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s: nosniff, API CSP, no-referrer, no X-Powered-By, instance and request ids', async (_name, c) => {
    const res = await c.send();
    expect(res.status).toBe(c.status);
    expectSecurityHeaders(res, server.instanceId);
    if (c.credential) expect(res.headers.get('cache-control') ?? '').toMatch(/\bno-store\b/);
    if (res.status >= 400) {
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.body.error.code).toEqual(expect.any(String));
    }
  });

  it('X-Request-Id: a safe incoming id is echoed, an unsafe one replaced, and each request gets its own', async () => {
    const echoed = await anon.get('/products', { headers: { 'x-request-id': 'trace-abc.123_X' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123_X');
    for (const hostile of ['<script>alert(1)</script>', 'a'.repeat(500), 'id with spaces', 'a;b=c']) {
      const res = await anon.get('/products', { headers: { 'x-request-id': hostile } });
      expect(res.headers.get('x-request-id')).not.toBe(hostile);
      expect(res.headers.get('x-request-id')).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
    }
    const a = await anon.get('/products');
    const b = await anon.get('/products');
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('a 401 never carries Set-Cookie credentials or a token', async () => {
    const res = await anon.post('/auth/login', { username: 'nobody-here', password: 'wrong password!' });
    expect(res.status).toBe(401);
    expect(res.body.accessToken).toBeUndefined();
    expect(res.setCookies.filter((c) => !/max-age=0|expires=thu, 01 jan 1970/i.test(c))).toEqual([]);
  });
});

// Responses are written two ways (servers/core/http/reply.ts): a JSON reply in one writeHead, and
// through setHeader when something set a header first (Set-Cookie, CORS) or Koa writes the body (a
// page, a 204). Each way must send the same headers once each, and a right Content-Length.
describe.each(STRATEGIES)('%s server: the same headers whichever way a response is written', (strategy) => {
  const APP = 'https://app.example';
  let server: TestServer;
  let user: ApiClient;

  beforeAll(async () => {
    server = await startTestServer(strategy, { ALLOWED_ORIGINS: APP, LOG_REQUESTS: '1' });
    user = await new ApiClient(strategy, server.url).signUp();
  });

  const bodyLength = (res: ApiResponse) => Buffer.byteLength(res.text);

  it('a reply (GET /auth/me): JSON, its byte length, every security header exactly once', async () => {
    const res = await user.get('/auth/me', { headers: { 'x-request-id': 'reply-ünï-0' } }); // unsafe: replaced
    expect(res.status).toBe(200);
    expectSecurityHeaders(res, server.instanceId);
    expect(res.headers.get('x-request-id')).not.toBe('reply-ünï-0');
    expect({
      type: res.headers.get('content-type'),
      length: Number(res.headers.get('content-length')),
      cache: res.headers.get('cache-control'),
      frame: res.headers.get('x-frame-options'),
      corp: res.headers.get('cross-origin-resource-policy'),
    }).toEqual({ type: 'application/json; charset=utf-8', length: bodyLength(res), cache: 'no-store', frame: 'DENY', corp: 'same-origin' });
  });

  it("HEAD of a reply: the GET route's headers and Content-Length, no body", async () => {
    const get = await user.get('/auth/me');
    const head = await user.request('HEAD', '/auth/me');
    expect({ status: head.status, text: head.text, length: head.headers.get('content-length') }).toEqual({
      status: 200,
      text: '',
      length: String(bodyLength(get)),
    });
    expectSecurityHeaders(head, server.instanceId);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('a reply after another header was set (CORS for an allowed origin): the same headers once each', async () => {
    const plain = await user.get('/auth/me');
    const cors = await user.get('/auth/me', { headers: { origin: APP } });
    expect(cors.status).toBe(200);
    expectSecurityHeaders(cors, server.instanceId);
    expect({
      allowOrigin: cors.headers.get('access-control-allow-origin'),
      vary: cors.headers.get('vary'),
      type: cors.headers.get('content-type'),
      length: Number(cors.headers.get('content-length')),
      cache: cors.headers.get('cache-control'),
      body: cors.body,
    }).toEqual({ allowOrigin: APP, vary: 'Origin', type: 'application/json; charset=utf-8', length: bodyLength(cors), cache: 'no-store', body: plain.body });
  });

  it('a reply carrying non-ASCII text (an unknown field of the client named in a 400): Content-Length counts UTF-8 bytes', async () => {
    for (const headers of [{}, { origin: APP }] as Record<string, string>[]) {
      const res = await user.post('/cart/items', { sku: 'KB-001', qty: 1, 'ünï😀': 1 }, { headers });
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect(JSON.stringify(res.body.error.details)).toContain('ünï😀');
      expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(res.text));
      expect(Buffer.byteLength(res.text)).toBeGreaterThan(res.text.length);
    }
  });

  it('an error reply with headers of its own (405 Allow), on both paths', async () => {
    for (const headers of [{}, { origin: APP }] as Record<string, string>[]) {
      const res = await user.request('PATCH', '/cart', { body: {}, headers });
      expect({ status: res.status, code: res.body?.error?.code, length: Number(res.headers.get('content-length')) }).toEqual({
        status: 405,
        code: 'method_not_allowed',
        length: bodyLength(res),
      });
      expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
      expectSecurityHeaders(res, server.instanceId);
    }
  });

  it('what Koa writes (the page, a 204 logout): the security headers, the page with its own CSP once', async () => {
    const page = await new ApiClient(strategy, server.url).get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).not.toBe(API_CSP);
    expect(page.headers.get('content-security-policy')).not.toContain(',');
    expect({ nosniff: page.headers.get('x-content-type-options'), instance: page.headers.get('x-instance-id') }).toEqual({
      nosniff: 'nosniff',
      instance: server.instanceId,
    });
    const other = await new ApiClient(strategy, server.url).signUp();
    const logout = await other.post('/auth/logout');
    expect(logout.status).toBe(204);
    expectSecurityHeaders(logout, server.instanceId);
  });

  it('the request log names the error code of an error reply', async () => {
    const id = `log-code-${Date.now()}`;
    expect((await new ApiClient(strategy, server.url).get('/auth/me', { headers: { 'x-request-id': id } })).status).toBe(401);
    const line = async () => server.logs.map((l) => (l.includes(id) ? (JSON.parse(l) as { code?: string; status?: number }) : null)).find((o) => o !== null);
    for (let i = 0; i < 50 && (await line()) === undefined; i++) await sleep(100);
    expect(await line()).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});

describe.each(STRATEGIES)('%s server: X-Instance-Id tells instances apart', (strategy) => {
  it('two instances started with default settings on one host (PORT=0) name themselves differently', async () => {
    const a = await startTestServer(strategy);
    const b = await startTestServer(strategy, {}, a.databaseUrl);
    const fromA = (await fetch(`${a.url}/healthz`)).headers.get('x-instance-id');
    const fromB = (await fetch(`${b.url}/healthz`)).headers.get('x-instance-id');
    expect(fromA).toBeTruthy();
    expect(fromB).toBeTruthy();
    expect(fromB).not.toBe(fromA);
  });
});

describe.each(STRATEGIES)('%s server: no credential in the logs (LOG_REQUESTS=1)', (strategy) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(strategy, { LOG_REQUESTS: '1' });
  });

  it('register, login, me, cart, sessions, refresh, password change, failed login, logout: no password, cookie value or token in any log line', async () => {
    const secrets = new Set<string>();
    const firstPassword = `first-${uniqueUsername()}-pw`;
    const secondPassword = `second-${uniqueUsername()}-pw`;
    const wrongGuess = `wrong-${uniqueUsername()}-guess`;
    for (const s of [firstPassword, secondPassword, wrongGuess]) secrets.add(s);
    const collect = (res: ApiResponse) => {
      for (const line of res.setCookies) {
        const value = line.split(';')[0].split('=').slice(1).join('=');
        if (value.length >= 16) {
          secrets.add(value);
          secrets.add(decodeURIComponent(value));
        }
      }
      if (typeof res.body?.accessToken === 'string') {
        secrets.add(res.body.accessToken);
        secrets.add(res.body.accessToken.split('.')[2]); // the signature alone must not leak either
      }
      return res;
    };

    const client = new ApiClient(strategy, server.url);
    const username = uniqueUsername('logs');
    expect((await client.register(username, firstPassword)).status).toBe(201);
    expect(collect(await client.login(username, firstPassword)).status).toBe(200);
    expect(collect(await client.get('/auth/me')).status).toBe(200);
    expect(collect(await client.post('/cart/items', { sku: 'KB-001', qty: 1 })).status).toBe(200);
    expect(collect(await client.get('/auth/sessions')).status).toBe(200);
    // Credentials pushed into the URL by a careless client: the query string is never logged.
    const inQuery = [...secrets].map((s) => encodeURIComponent(s)).join('&t=');
    expect((await client.get(`/auth/me?access_token=${inQuery}`)).status).toBe(200);
    if (strategy === 'jwt') expect(collect(await client.post('/auth/refresh')).status).toBe(200);
    expect(collect(await client.post('/auth/password', { currentPassword: firstPassword, newPassword: secondPassword })).status).toBe(200);
    expect(collect(await client.get('/auth/me')).status).toBe(200);
    expect((await new ApiClient(strategy, server.url).post('/auth/login', { username, password: wrongGuess })).status).toBe(401);
    // A validation error on a password field, and a malformed bearer token / cookie.
    expect((await new ApiClient(strategy, server.url).post('/auth/register', { username: 'x', password: `${secondPassword}\u0000` })).status).toBe(400);
    const bogus = `${[...secrets].find((s) => s.length > 20)}tampered`;
    secrets.add(bogus);
    expect((await new ApiClient(strategy, server.url).get('/auth/me', { headers: { authorization: `Bearer ${bogus}`, cookie: `sid=${bogus}` } })).status).toBe(
      401,
    );
    expect((await client.post('/auth/logout')).status).toBe(204);

    await sleep(300); // let the last log lines arrive over the pipe
    const requestLines = server.logs.filter((l) => l.includes('"msg":"request"'));
    expect(requestLines.some((l) => l.includes('"/auth/me"'))).toBe(true); // logging really was on
    expect(secrets.size).toBeGreaterThan(4);
    const leaks = [...secrets].filter((s) => s.length >= 8 && server.logs.some((l) => l.includes(s)));
    expect(leaks).toEqual([]);
  });
});
