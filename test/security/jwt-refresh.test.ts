// Security: the jwt server's refresh tokens (SECURITY.md "Refresh tokens", RFC 9700 4.14.2, ASVS 5.0
// 10.4.5): opaque 256-bit tokens stored hashed, an HttpOnly SameSite=Strict cookie scoped to the
// refresh path, rotation on every refresh, reuse of a rotated token revokes the whole family, and
// idle / absolute lifetimes counted on the server. Real HTTP against real server processes.
import { createHash } from 'node:crypto';
import { ApiClient, type ApiResponse, PASSWORD, sleep, sql, startTestServer, stopAllServers, type TestServer } from '../support/harness';

afterAll(stopAllServers);

const rtOf = (c: ApiClient) => c.cookies.get('rt')?.value;
const setCookieFor = (res: ApiResponse, name: string) => res.setCookies.find((line) => line.startsWith(`${name}=`));
const attrs = (line: string) =>
  line
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
const maxAgeOf = (line: string) =>
  Number(
    attrs(line)
      .find((a) => a.startsWith('max-age='))
      ?.slice('max-age='.length),
  );

async function signedUp(server: TestServer): Promise<ApiClient> {
  return new ApiClient('jwt', server.url).signUp();
}

/** Another device of the same user: its own login, so its own refresh family. */
async function secondDevice(server: TestServer, of: ApiClient): Promise<ApiClient> {
  const c = new ApiClient('jwt', server.url);
  const res = await c.login(of.username!);
  expect(res.status).toBe(200);
  return c;
}

/** POST /auth/refresh presenting exactly this refresh token. */
function refreshWith(server: TestServer, token: string, extra: Record<string, string> = {}): Promise<ApiResponse> {
  return new ApiClient('jwt', server.url).request('POST', '/auth/refresh', { headers: { cookie: `rt=${token}`, ...extra } });
}

function expectRefreshRefused(res: ApiResponse): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'invalid_refresh_token' });
}

describe('POST /auth/refresh (jwt server, default lifetimes)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('jwt');
  });

  describe('the refresh cookie', () => {
    it('is rt, HttpOnly, SameSite=Strict, Path=/auth/refresh, no Domain, not Secure over plain http, Max-Age <= idle lifetime', async () => {
      const c = new ApiClient('jwt', server.url);
      await c.register();
      const res = await c.login();
      const line = setCookieFor(res, 'rt')!;
      expect(line).toBeDefined();
      const a = attrs(line);
      expect(a).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/auth/refresh']));
      expect(a.some((x) => x.startsWith('domain='))).toBe(false);
      expect(a).not.toContain('secure');
      expect(maxAgeOf(line)).toBeGreaterThan(0);
      expect(maxAgeOf(line)).toBeLessThanOrEqual(30 * 60); // REFRESH_IDLE_TIMEOUT_MS default: 30 min
      // The refresh token never appears in a response body.
      expect(res.text).not.toContain(rtOf(c)!);
    });

    it('carries 256 random bits, unique per login', async () => {
      const c = await signedUp(server);
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const res = await c.login();
        const token = rtOf(c)!;
        expect(res.status).toBe(200);
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(token, 'base64url')).toHaveLength(32);
        seen.add(token);
      }
      expect(seen.size).toBe(20);
    });

    it('is stored only as a SHA-256 hash (gray-box)', async () => {
      const c = await signedUp(server);
      const token = rtOf(c)!;
      const rows = await sql<{ dump: string }>(server.databaseUrl, `SELECT string_agg(t::text, ' ') AS dump FROM jwt_refresh_tokens t`);
      const families = await sql<{ dump: string }>(server.databaseUrl, `SELECT string_agg(f::text, ' ') AS dump FROM jwt_refresh_families f`);
      expect(rows[0].dump).not.toContain(token);
      expect(families[0].dump).not.toContain(token);
      const hash = createHash('sha256').update(token).digest();
      const found = await sql(server.databaseUrl, 'SELECT 1 FROM jwt_refresh_tokens WHERE token_hash = $1 AND used_at IS NULL', [hash]);
      expect(found).toHaveLength(1);
    });
  });

  describe('rotation', () => {
    it('issues a new refresh token and a working access token, and the old refresh token is dead', async () => {
      const c = await signedUp(server);
      const before = rtOf(c)!;
      const oldAccess = c.accessToken;
      const res = await c.post('/auth/refresh');
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn', 'tokenType']);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 300 });
      expect(res.body.accessToken).not.toBe(oldAccess);
      const after = rtOf(c)!;
      expect(after).not.toBe(before);
      expect(attrs(setCookieFor(res, 'rt')!)).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/auth/refresh']));
      expect((await c.get('/auth/me')).status).toBe(200);
      // The new token belongs to the same family (the same session id).
      const me = await c.get('/auth/me');
      expect(me.body.credential.sessionId).toBe(JSON.parse(Buffer.from(oldAccess!.split('.')[1], 'base64url').toString()).jti.split('.')[0]);
      // The next rotation works from the new token.
      expect((await c.post('/auth/refresh')).status).toBe(200);
    });

    it('reuse of a rotated token revokes the whole family, including its newest token (RFC 9700 4.14.2)', async () => {
      const c = await signedUp(server);
      const other = await secondDevice(server, c);
      const stolen = rtOf(c)!;
      expect((await c.post('/auth/refresh')).status).toBe(200);
      const newest = rtOf(c)!;
      // The attacker replays the rotated token: refused, and the family dies.
      expectRefreshRefused(await refreshWith(server, stolen));
      expectRefreshRefused(await refreshWith(server, newest));
      // Another login (family) of the same user is untouched.
      expect((await other.post('/auth/refresh')).status).toBe(200);
    });

    it('refusing clears the cookie (same name and path, Max-Age=0)', async () => {
      const res = await refreshWith(server, 'A'.repeat(43));
      expectRefreshRefused(res);
      const line = setCookieFor(res, 'rt')!;
      expect(line.startsWith('rt=;')).toBe(true);
      expect(attrs(line)).toEqual(expect.arrayContaining(['path=/auth/refresh', 'max-age=0']));
    });

    it('two concurrent refreshes with the same token: exactly one wins, the other counts as reuse and revokes the family', async () => {
      for (let round = 0; round < 3; round++) {
        const c = await signedUp(server);
        const token = rtOf(c)!;
        const results = await Promise.all([refreshWith(server, token), refreshWith(server, token), refreshWith(server, token)]);
        const statuses = results.map((r) => r.status).sort();
        expect(statuses).toEqual([200, 401, 401]);
        const winner = results.find((r) => r.status === 200)!;
        const winnerToken = setCookieFor(winner, 'rt')!.split(';')[0].slice('rt='.length);
        // Decision (servers/jwt/refresh-tokens.ts): the loser is indistinguishable from a thief
        // replaying a used token, so the family is revoked and even the winner's new token is dead.
        expectRefreshRefused(await refreshWith(server, winnerToken));
        // Its access token was issued before the revocation: the plain variant's documented window.
        const access = await new ApiClient('jwt', server.url).get('/auth/me', { headers: { authorization: `Bearer ${winner.body.accessToken}` } });
        expect(access.status).toBe(200);
      }
    });
  });

  describe('what is not a refresh token', () => {
    it('refuses no cookie, garbage, an access token, and a token of the right shape that was never issued', async () => {
      const c = await signedUp(server);
      expectRefreshRefused(await new ApiClient('jwt', server.url).post('/auth/refresh'));
      expectRefreshRefused(await refreshWith(server, 'garbage'));
      expectRefreshRefused(await refreshWith(server, c.accessToken!));
      expectRefreshRefused(await refreshWith(server, `${rtOf(c)!.slice(0, -1)}${rtOf(c)!.endsWith('A') ? 'B' : 'A'}`));
      expectRefreshRefused(await refreshWith(server, 'x'.repeat(4000)));
      // The real one still works after all that.
      expect((await c.post('/auth/refresh')).status).toBe(200);
    });

    it('takes the token from the rt cookie only: not from the query, the body, a header or another cookie name', async () => {
      const c = await signedUp(server);
      const token = rtOf(c)!;
      const anon = new ApiClient('jwt', server.url);
      expectRefreshRefused(await anon.request('POST', `/auth/refresh?rt=${token}&refresh_token=${token}`));
      expectRefreshRefused(await anon.request('POST', '/auth/refresh', { body: { refreshToken: token, rt: token } }));
      expectRefreshRefused(await anon.request('POST', '/auth/refresh', { headers: { authorization: `Bearer ${token}` } }));
      expectRefreshRefused(await anon.request('POST', '/auth/refresh', { headers: { cookie: `refresh=${token}; xrt=${token}` } }));
      expect((await c.post('/auth/refresh')).status).toBe(200);
    });

    it('refuses a cross-site refresh (Origin of another site)', async () => {
      const c = await signedUp(server);
      const res = await c.post('/auth/refresh', undefined, { headers: { origin: 'https://evil.example' } });
      expect(res.status).toBe(403);
      expect((await c.post('/auth/refresh')).status).toBe(200);
    });
  });
});

describe('POST /auth/refresh behind a trusted TLS proxy (TRUST_PROXY=1)', () => {
  let server: TestServer;
  const https = { 'x-forwarded-proto': 'https' };

  beforeAll(async () => {
    server = await startTestServer('jwt', { TRUST_PROXY: '1' });
  });

  it('names the cookie __Secure-rt and marks it Secure, and reads only that name over https', async () => {
    const c = new ApiClient('jwt', server.url);
    await c.register();
    const login = await c.request('POST', '/auth/login', { body: { username: c.username, password: PASSWORD }, headers: https });
    expect(login.status).toBe(200);
    const line = setCookieFor(login, '__Secure-rt')!;
    expect(line).toBeDefined();
    expect(attrs(line)).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/auth/refresh']));
    const token = line.split(';')[0].slice('__Secure-rt='.length);
    // The unprefixed name is not accepted over https (it could have been set without Secure).
    expectRefreshRefused(await refreshWith(server, token, https));
    const ok = await new ApiClient('jwt', server.url).request('POST', '/auth/refresh', { headers: { ...https, cookie: `__Secure-rt=${token}` } });
    expect(ok.status).toBe(200);
    expect(attrs(setCookieFor(ok, '__Secure-rt')!)).toContain('secure');
  });
});

describe('refresh family lifetimes (short timeouts from the environment)', () => {
  it('idle: a family not refreshed for REFRESH_IDLE_TIMEOUT_MS dies; refreshing in time keeps it alive', async () => {
    const server = await startTestServer('jwt', { REFRESH_IDLE_TIMEOUT_MS: '2000', REFRESH_ABSOLUTE_TIMEOUT_MS: '60000' });
    const active = await signedUp(server);
    const idle = await secondDevice(server, active);
    expect(maxAgeOf(setCookieFor(await active.post('/auth/refresh'), 'rt')!)).toBeLessThanOrEqual(2);
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      expect((await active.post('/auth/refresh')).status).toBe(200); // 3 s in total, > the idle timeout
    }
    expectRefreshRefused(await idle.post('/auth/refresh'));
  });

  it('absolute: a family dies REFRESH_ABSOLUTE_TIMEOUT_MS after its first login, however active', async () => {
    const server = await startTestServer('jwt', { REFRESH_IDLE_TIMEOUT_MS: '2000', REFRESH_ABSOLUTE_TIMEOUT_MS: '3000' });
    const c = await signedUp(server);
    const loginAt = Date.now();
    let lastMaxAge = Number.POSITIVE_INFINITY;
    while (Date.now() - loginAt < 2000) {
      await sleep(500);
      const res = await c.post('/auth/refresh');
      expect(res.status).toBe(200);
      const maxAge = maxAgeOf(setCookieFor(res, 'rt')!);
      // Never beyond the remaining absolute lifetime.
      expect(maxAge).toBeLessThanOrEqual(Math.ceil((3000 - (Date.now() - loginAt)) / 1000) + 1);
      expect(maxAge).toBeLessThanOrEqual(lastMaxAge);
      lastMaxAge = maxAge;
    }
    await sleep(Math.max(0, 3300 - (Date.now() - loginAt)));
    expectRefreshRefused(await c.post('/auth/refresh'));
  });
});
