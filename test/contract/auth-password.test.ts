// Contract: POST /auth/password {currentPassword, newPassword}.
import { PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { client, expectCredentialAlive, expectCredentialRevoked, expectError, expectOk, isoTime, secondDevice, setCookie, signedUp } from './helpers';

afterAll(stopAllServers);

const NEW_PASSWORD = 'a brand new passphrase';

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(strategy);
  });

  const login = (username: string, password: string) => client(server).post('/auth/login', { username, password });

  describe('POST /auth/password', () => {
    it('returns 200 {user} with a fresh credential for the caller', async () => {
      const c = await signedUp(server);
      const before = c.clone();
      const meBefore = await c.get('/auth/me');
      const res = await c.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      expectOk(res);
      const user = { id: c.userId, username: c.username, role: 'user', createdAt: isoTime(), disabled: false };
      if (strategy === 'session') {
        expect(res.body).toEqual({ user });
        const sid = setCookie(res, 'sid');
        expect(sid).toBeDefined();
        expect(c.cookies.get('sid')?.value).not.toBe(before.cookies.get('sid')?.value); // rotated
      } else {
        expect(res.body).toEqual({ user, accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 300 });
        expect(res.body.accessToken).not.toBe(before.accessToken);
        expect(setCookie(res, 'rt')).toBeDefined();
        expect(c.cookies.get('rt')?.value).not.toBe(before.cookies.get('rt')?.value);
      }
      expect(res.text).not.toContain(NEW_PASSWORD);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const meAfter = await c.get('/auth/me');
      expectOk(meAfter);
      expect(meAfter.body.credential.sessionId).not.toBe(meBefore.body.credential.sessionId);
      await expectCredentialAlive(c);
      // The credential the caller held before the change is revoked too (ASVS 7.2.4: rotate on change).
      await expectCredentialRevoked(before);
    });

    it('makes the old password fail and the new one work', async () => {
      const c = await signedUp(server);
      expectOk(await c.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }));
      expectError(await login(c.username ?? '', PASSWORD), 401, 'invalid_credentials');
      expectOk(await login(c.username ?? '', NEW_PASSWORD));
    });

    it("revokes the user's other sessions (session: me 401) / refresh families (jwt: refresh 401)", async () => {
      const a = await signedUp(server);
      const b = await secondDevice(server, a);
      const bReplay = b.clone();
      expectOk(await a.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }));
      await expectCredentialRevoked(bReplay);
      const list = await a.get('/auth/sessions');
      expectOk(list);
      expect(list.body.sessions).toHaveLength(1);
      expect(list.body.sessions[0].current).toBe(true);
    });

    if (strategy === 'jwt') {
      it("leaves other devices' plain jwt access tokens valid until exp (the documented window)", async () => {
        const a = await signedUp(server);
        const b = await secondDevice(server, a);
        expectOk(await a.post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }));
        expectOk(await b.get('/auth/me'));
      });
    }

    it('returns 403 current_password_incorrect for a wrong current password, and changes nothing', async () => {
      const c = await signedUp(server);
      const res = await c.post('/auth/password', { currentPassword: `${PASSWORD}?`, newPassword: NEW_PASSWORD });
      expectError(res, 403, 'current_password_incorrect');
      expect(res.setCookies).toEqual([]);
      expectOk(await c.get('/auth/me'));
      await expectCredentialAlive(c);
      expectOk(await login(c.username ?? '', PASSWORD));
      expectError(await login(c.username ?? '', NEW_PASSWORD), 401, 'invalid_credentials');
    });

    it.each([
      ['a 7-character new password', { currentPassword: PASSWORD, newPassword: 'short12' }],
      ['a 1025-character new password', { currentPassword: PASSWORD, newPassword: 'p'.repeat(1025) }],
      ['a NUL in the new password', { currentPassword: PASSWORD, newPassword: 'new\u0000password' }],
      ['a missing new password', { currentPassword: PASSWORD }],
      ['a missing current password', { newPassword: NEW_PASSWORD }],
      ['an empty current password', { currentPassword: '', newPassword: NEW_PASSWORD }],
      ['a numeric new password', { currentPassword: PASSWORD, newPassword: 123456789 }],
      ['an unknown field', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD, logoutOthers: false }],
      ['an empty body', {}],
    ])('returns 400 validation_failed for %s, and changes nothing', async (_name, body) => {
      const c = await signedUp(server);
      const res = await c.post('/auth/password', body);
      expectError(res, 400, 'validation_failed');
      expect(res.text).not.toContain(PASSWORD);
      expectOk(await c.get('/auth/me'));
      expectOk(await login(c.username ?? '', PASSWORD));
    });

    it('returns 400 invalid_json and 415 unsupported_media_type', async () => {
      const c = await signedUp(server);
      expectError(
        await c.post('/auth/password', undefined, { rawBody: '{"currentPassword":', headers: { 'content-type': 'application/json' } }),
        400,
        'invalid_json',
      );
      expectError(
        await c.post('/auth/password', undefined, { rawBody: 'currentPassword=x', headers: { 'content-type': 'text/plain' } }),
        415,
        'unsupported_media_type',
      );
    });

    it('returns 401 unauthorized without a credential', async () => {
      const res = await client(server).post('/auth/password', { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
      expectError(res, 401, 'unauthorized');
    });
  });
});
