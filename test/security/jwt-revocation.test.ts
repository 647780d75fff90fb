// Security: ending a jwt credential (SECURITY.md "Revocation", ASVS 5.0 7.4.1-7.4.3, 7.5.2). Every
// event revokes refresh families in Postgres at once; the plain `jwt` variant's access token keeps
// working until its exp: that window is the documented, measured property of the variant, pinned
// here so a change in it is noticed.
import { ApiClient, type ApiResponse, PASSWORD, sleep, startTestServer, stopAllServers, type TestServer } from '../support/harness';

afterAll(stopAllServers);

const setCookieFor = (res: ApiResponse, name: string) => res.setCookies.find((line) => line.startsWith(`${name}=`));

async function signedUp(server: TestServer): Promise<ApiClient> {
  return new ApiClient('jwt', server.url).signUp();
}

async function device(server: TestServer, of: ApiClient): Promise<ApiClient> {
  const c = new ApiClient('jwt', server.url);
  expect((await c.login(of.username!)).status).toBe(200);
  return c;
}

/** Replays the refresh token this client holds (a copy kept before logout, as a thief would). */
async function expectRefreshDead(c: ApiClient): Promise<void> {
  expect(c.cookies.has('rt')).toBe(true);
  const res = await c.post('/auth/refresh');
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'invalid_refresh_token' });
}

async function expectRefreshAlive(c: ApiClient): Promise<void> {
  expect((await c.post('/auth/refresh')).status).toBe(200);
}

describe('jwt revocation (default 5-minute access tokens)', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('jwt');
  });

  describe('POST /auth/logout', () => {
    it('revokes this refresh family, clears the cookie (same name and path, Max-Age=0) and sends Clear-Site-Data', async () => {
      const c = await signedUp(server);
      const other = await device(server, c);
      const copy = c.clone();
      const res = await c.post('/auth/logout');
      expect(res.status).toBe(204);
      const line = setCookieFor(res, 'rt')!;
      expect(line).toMatch(/^rt=;/);
      expect(line.toLowerCase()).toContain('path=/auth/refresh');
      expect(line.toLowerCase()).toContain('max-age=0');
      expect(res.headers.get('clear-site-data')).toBe('"cookies"');
      await expectRefreshDead(copy);
      await expectRefreshAlive(other);
    });

    it('leaves the access token valid until its exp in the plain variant (the documented window)', async () => {
      const c = await signedUp(server);
      const copy = c.clone();
      expect((await c.post('/auth/logout')).status).toBe(204);
      const me = await copy.get('/auth/me');
      expect(me.status).toBe(200);
      expect(Date.parse(me.body.credential.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
    });

    it('needs a valid access token (401 with the bearer challenge otherwise)', async () => {
      const res = await new ApiClient('jwt', server.url).post('/auth/logout');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    });
  });

  describe('POST /auth/logout-all', () => {
    it("revokes every refresh family of the user, and no one else's", async () => {
      const c = await signedUp(server);
      const phone = await device(server, c);
      const laptop = await device(server, c);
      const stranger = await signedUp(server);
      const copy = c.clone();
      expect((await c.post('/auth/logout-all')).status).toBe(204);
      await expectRefreshDead(copy);
      await expectRefreshDead(phone);
      await expectRefreshDead(laptop);
      await expectRefreshAlive(stranger);
      // A new login afterwards works normally.
      const again = await device(server, c);
      await expectRefreshAlive(again);
    });
  });

  describe('POST /auth/password', () => {
    it('revokes the other families and hands the caller a fresh, working credential', async () => {
      const c = await signedUp(server);
      const other = await device(server, c);
      const oldCopy = c.clone();
      const res = await c.post('/auth/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 300, accessToken: expect.any(String) });
      expect(setCookieFor(res, 'rt')).toBeDefined();
      await expectRefreshDead(other);
      await expectRefreshDead(oldCopy);
      expect((await c.get('/auth/me')).status).toBe(200);
      await expectRefreshAlive(c);
      // The old password no longer logs in; the new one does.
      expect((await new ApiClient('jwt', server.url).login(c.username!, PASSWORD)).status).toBe(401);
      expect((await new ApiClient('jwt', server.url).login(c.username!, 'a brand new passphrase')).status).toBe(200);
    });
  });

  describe('POST /admin/users/:id/disable', () => {
    it('revokes every refresh family of the disabled user; the access token lives until exp (plain variant)', async () => {
      const victim = await signedUp(server);
      const other = await device(server, victim);
      const admin = new ApiClient('jwt', server.url);
      expect((await admin.login('admin', PASSWORD)).status).toBe(200);
      expect((await admin.post(`/admin/users/${victim.userId}/disable`)).status).toBe(204);
      await expectRefreshDead(victim);
      await expectRefreshDead(other);
      expect((await new ApiClient('jwt', server.url).login(victim.username!)).status).toBe(401);
      expect((await victim.get('/auth/me')).status).toBe(200); // the documented window
    });
  });

  describe('GET /auth/sessions and DELETE /auth/sessions/:id', () => {
    it("lists the user's live refresh families with the current one marked, never a token", async () => {
      const c = await signedUp(server);
      const other = await device(server, c);
      const res = await c.get('/auth/sessions');
      expect(res.status).toBe(200);
      const sessions = res.body.sessions as Array<Record<string, unknown>>;
      expect(sessions).toHaveLength(2);
      const current = sessions.filter((s) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0].id).toBe((await c.get('/auth/me')).body.credential.sessionId);
      for (const s of sessions) {
        expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastSeenAt', 'userAgent']);
      }
      for (const secret of [c.cookies.get('rt')!.value, other.cookies.get('rt')!.value, c.accessToken!, other.accessToken!]) {
        expect(res.text).not.toContain(secret);
      }
    });

    it("revokes one of the caller's own families; another user's id is 404 and stays alive", async () => {
      const c = await signedUp(server);
      const other = await device(server, c);
      const otherId = (await other.get('/auth/me')).body.credential.sessionId as string;
      const stranger = await signedUp(server);
      const strangerId = (await stranger.get('/auth/me')).body.credential.sessionId as string;

      expect((await c.delete(`/auth/sessions/${strangerId}`)).status).toBe(404);
      await expectRefreshAlive(stranger);

      expect((await c.delete(`/auth/sessions/${otherId}`)).status).toBe(204);
      await expectRefreshDead(other);
      await expectRefreshAlive(c);
      expect((await c.delete(`/auth/sessions/${otherId}`)).status).toBe(404);
      expect((await c.delete('/auth/sessions/not-an-id')).status).toBe(404);
      const listed = (await c.get('/auth/sessions')).body.sessions as Array<{ id: string }>;
      expect(listed.map((s) => s.id)).not.toContain(otherId);
    });
  });
});

describe('jwt access-token window (ACCESS_TOKEN_TTL_SECONDS=2, no clock leeway)', () => {
  it('a logged-out user\'s access token works until exp, then 401 with error="invalid_token"', async () => {
    const server = await startTestServer('jwt', { ACCESS_TOKEN_TTL_SECONDS: '2', JWT_CLOCK_TOLERANCE_SECONDS: '0' });
    const c = await signedUp(server);
    const copy = c.clone();
    expect((await c.post('/auth/logout')).status).toBe(204);
    const exp = Date.parse((await copy.get('/auth/me')).body.credential.expiresAt);
    expect((await copy.get('/auth/me')).status).toBe(200);
    await sleep(Math.max(0, exp - Date.now()) + 300);
    const res = await copy.get('/auth/me');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
  });
});
