// Contract: GET /auth/me, POST /auth/logout, POST /auth/logout-all.
import { STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import {
  client,
  cookieAttrs,
  expectCredentialAlive,
  expectCredentialRevoked,
  expectError,
  expectNoContent,
  expectOk,
  isoTime,
  secondDevice,
  setCookie,
  signedUp,
} from './helpers';

afterAll(stopAllServers);

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(strategy);
  });

  /** The 401 of a protected route: jwt adds an RFC 6750 challenge, cookies have none. */
  function expectUnauthorized(res: Awaited<ReturnType<ReturnType<typeof client>['get']>>, challenge: 'bare' | 'invalid_token' = 'bare'): void {
    expectError(res, 401, 'unauthorized');
    if (strategy === 'jwt') {
      const expected = challenge === 'bare' ? 'Bearer realm="api"' : 'Bearer realm="api", error="invalid_token"';
      expect(res.headers.get('www-authenticate')).toBe(expected);
    } else {
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
  }

  describe('GET /auth/me', () => {
    it('returns 200 {user: {id, role}, credential: {strategy, variant, sessionId, issuedAt, expiresAt}}', async () => {
      const c = await signedUp(server);
      const before = Date.now();
      const res = await c.get('/auth/me');
      expectOk(res);
      expect(Object.keys(res.body).sort()).toEqual(['credential', 'user']);
      expect(res.body.user).toEqual({ id: c.userId, role: 'user' });
      expect(res.body.credential).toMatchObject({
        strategy,
        variant: strategy,
        sessionId: expect.any(String),
        issuedAt: isoTime(),
        expiresAt: isoTime(),
      });
      const { issuedAt, expiresAt } = res.body.credential;
      expect(Date.parse(issuedAt)).toBeLessThanOrEqual(before + 1000);
      expect(Date.parse(expiresAt)).toBeGreaterThan(before);
      // Nothing secret: neither the cookie value nor the token appears in the body.
      for (const cookie of c.cookies.values()) expect(res.text).not.toContain(cookie.value);
      if (c.accessToken) expect(res.text).not.toContain(c.accessToken);
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('credential.sessionId is the id GET /auth/sessions marks current', async () => {
      const c = await signedUp(server);
      const me = await c.get('/auth/me');
      const list = await c.get('/auth/sessions');
      expect(list.body.sessions.find((s: { current: boolean }) => s.current).id).toBe(me.body.credential.sessionId);
    });

    it('returns role admin for the admin', async () => {
      const admin = client(server);
      expectOk(await admin.login('admin'));
      expect((await admin.get('/auth/me')).body.user.role).toBe('admin');
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectUnauthorized(await client(server).get('/auth/me'), 'bare');
    });

    it('returns 401 unauthorized with a garbage credential', async () => {
      const headers: Record<string, string> = strategy === 'session' ? { cookie: 'sid=garbage' } : { authorization: 'Bearer garbage' };
      expectUnauthorized(await client(server).get('/auth/me', { headers }), 'invalid_token');
    });

    it('returns 401 unauthorized with a well-formed credential the server never issued', async () => {
      const c = await signedUp(server);
      const forged = c.clone();
      if (strategy === 'session') {
        const sid = forged.cookies.get('sid');
        if (!sid) throw new Error('no sid cookie');
        // Same length and alphabet, different value.
        forged.cookies.set('sid', { ...sid, value: `${sid.value.slice(0, -4)}${sid.value.endsWith('AAAA') ? 'BBBB' : 'AAAA'}` });
      } else {
        const [h, p, s] = (forged.accessToken ?? '').split('.');
        forged.accessToken = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      }
      expectUnauthorized(await forged.get('/auth/me'), 'invalid_token');
      expectOk(await c.get('/auth/me')); // the real credential is undisturbed
    });

    if (strategy === 'jwt') {
      it('does not accept the access token from a cookie or the query string', async () => {
        const c = await signedUp(server);
        const token = c.accessToken ?? '';
        expectUnauthorized(await client(server).get(`/auth/me?access_token=${token}`), 'bare');
        expectUnauthorized(await client(server).get('/auth/me', { headers: { cookie: `access_token=${token}` } }), 'bare');
        expectUnauthorized(await client(server).get('/auth/me', { headers: { authorization: `Basic ${token}` } }), 'bare');
      });

      it('does not accept the refresh token as an access token', async () => {
        const c = await signedUp(server);
        const rt = c.cookies.get('rt')?.value ?? '';
        expectUnauthorized(await client(server).get('/auth/me', { headers: { authorization: `Bearer ${rt}` } }), 'invalid_token');
      });
    } else {
      it('does not accept the session id from the query string or the Authorization header', async () => {
        const c = await signedUp(server);
        const sid = c.cookies.get('sid')?.value ?? '';
        expectUnauthorized(await client(server).get(`/auth/me?sid=${sid}`));
        expectUnauthorized(await client(server).get('/auth/me', { headers: { authorization: `Bearer ${sid}` } }));
      });
    }
  });

  describe('POST /auth/logout', () => {
    it('returns 204 with Clear-Site-Data and clears the credential cookie', async () => {
      const c = await signedUp(server);
      const res = await c.post('/auth/logout');
      expectNoContent(res);
      expect(res.headers.get('clear-site-data')).toBe('"cookies"');
      const cleared = setCookie(res, strategy === 'session' ? 'sid' : 'rt');
      expect(cleared).toBeDefined();
      expect(cleared?.split(';')[0]).toBe(strategy === 'session' ? 'sid=' : 'rt=');
      expect(cookieAttrs(cleared ?? '')).toContain('max-age=0');
      expect(cookieAttrs(cleared ?? '')).toContain(strategy === 'session' ? 'path=/' : 'path=/auth/refresh');
    });

    it('kills the session (session) / the refresh family (jwt): replaying it fails', async () => {
      const c = await signedUp(server);
      const replay = c.clone();
      expectNoContent(await c.post('/auth/logout'));
      await expectCredentialRevoked(replay);
      expect((await replay.get('/auth/sessions')).status).toBe(strategy === 'session' ? 401 : 200);
    });

    if (strategy === 'jwt') {
      it('leaves the plain jwt access token valid until its exp (the documented revocation window)', async () => {
        const c = await signedUp(server);
        const replay = c.clone();
        expectNoContent(await c.post('/auth/logout'));
        const me = await replay.get('/auth/me');
        expectOk(me);
        expect(Date.parse(me.body.credential.expiresAt) - Date.now()).toBeLessThanOrEqual(300_000);
        // The family is dead, so the list no longer shows it.
        const list = await replay.get('/auth/sessions');
        expectOk(list);
        expect(list.body.sessions).toEqual([]);
      });
    }

    it("leaves the user's other sessions alive", async () => {
      const a = await signedUp(server);
      const b = await secondDevice(server, a);
      expectNoContent(await a.post('/auth/logout'));
      await expectCredentialAlive(b);
      expectOk(await b.get('/auth/me'));
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectUnauthorized(await client(server).post('/auth/logout'));
    });

    it('returns 401 when the credential was already logged out (session) / 204 on the stale token (jwt)', async () => {
      const c = await signedUp(server);
      const replay = c.clone();
      expectNoContent(await c.post('/auth/logout'));
      const again = await replay.post('/auth/logout');
      if (strategy === 'session') expectUnauthorized(again);
      else expectNoContent(again); // the access token authenticates until exp; its family is already dead
    });
  });

  describe('POST /auth/logout-all', () => {
    it('returns 204 with Clear-Site-Data and ends every session / refresh family of the user', async () => {
      const a = await signedUp(server);
      const b = await secondDevice(server, a);
      const aReplay = a.clone();
      const bReplay = b.clone();
      const res = await a.post('/auth/logout-all');
      expectNoContent(res);
      expect(res.headers.get('clear-site-data')).toBe('"cookies"');
      await expectCredentialRevoked(aReplay);
      await expectCredentialRevoked(bReplay);
    });

    if (strategy === 'jwt') {
      it('leaves already issued plain jwt access tokens valid until exp (the documented window)', async () => {
        const a = await signedUp(server);
        const b = await secondDevice(server, a);
        expectNoContent(await a.post('/auth/logout-all'));
        expectOk(await a.get('/auth/me'));
        expectOk(await b.get('/auth/me'));
        expect((await b.get('/auth/sessions')).body.sessions).toEqual([]);
      });
    }

    it('leaves other users alone', async () => {
      const a = await signedUp(server);
      const other = await signedUp(server);
      expectNoContent(await a.post('/auth/logout-all'));
      await expectCredentialAlive(other);
      expectOk(await other.get('/auth/me'));
    });

    it('lets the user log in again afterwards', async () => {
      const a = await signedUp(server);
      expectNoContent(await a.post('/auth/logout-all'));
      a.reset();
      expectOk(await a.login());
      expectOk(await a.get('/auth/me'));
      await expectCredentialAlive(a);
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectUnauthorized(await client(server).post('/auth/logout-all'));
    });
  });
});
