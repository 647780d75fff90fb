// Contract: POST /auth/register, POST /auth/login, POST /auth/refresh.
import { PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';
import {
  adminClient,
  type ContractClient,
  client,
  cookieAttrs,
  expectCredentialAlive,
  expectError,
  expectOk,
  headerNames,
  isoTime,
  setCookie,
  signedUp,
} from './helpers';

afterAll(stopAllServers);

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  let api: ContractClient;

  beforeAll(async () => {
    server = await startTestServer(strategy);
    api = client(server);
  });

  const register = (body: unknown) => api.post('/auth/register', body, { auth: false });

  describe('POST /auth/register', () => {
    it('returns 201 {user} with role user, not disabled, and no password hash', async () => {
      const username = uniqueUsername('Reg');
      const res = await register({ username, password: PASSWORD });
      expectOk(res, 201);
      expect(res.body).toEqual({
        user: { id: expect.stringMatching(/^[1-9][0-9]*$/), username, role: 'user', createdAt: isoTime(), disabled: false },
      });
      expect(res.text).not.toMatch(/hash|scrypt|password/i);
      expect(res.setCookies).toEqual([]); // registering does not log in
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('returns 409 username_taken for a taken username, case-insensitively', async () => {
      const username = uniqueUsername('Taken');
      expectOk(await register({ username, password: PASSWORD }), 201);
      expectError(await register({ username, password: PASSWORD }), 409, 'username_taken');
      expectError(await register({ username: username.toLowerCase(), password: 'another password' }), 409, 'username_taken');
      expectError(await register({ username: username.toUpperCase(), password: PASSWORD }), 409, 'username_taken');
    });

    it('accepts a 1024-character password and verifies all of it (no truncation)', async () => {
      const username = uniqueUsername('long');
      const password = `${'p'.repeat(1023)}X`;
      expectOk(await register({ username, password }), 201);
      const c = client(server);
      expectError(await c.post('/auth/login', { username, password: `${'p'.repeat(1023)}Y` }), 401, 'invalid_credentials');
      expectOk(await c.post('/auth/login', { username, password }));
    });

    it('accepts 3- and 64-character usernames with . _ @ + -', async () => {
      // Each server has a fresh database: a fixed 3-character name cannot be taken yet.
      expectOk(await register({ username: 'a.1', password: PASSWORD }), 201);
      const long = uniqueUsername('u_@+.-').padEnd(64, 'z');
      expect(long).toHaveLength(64);
      expectOk(await register({ username: long, password: PASSWORD }), 201);
    });

    it.each([
      ['a too short username', { username: 'ab', password: PASSWORD }],
      ['a too long username', { username: 'u'.repeat(65), password: PASSWORD }],
      ['a username with a space', { username: 'has space', password: PASSWORD }],
      ['a username with a slash', { username: 'a/b/c', password: PASSWORD }],
      ['a non-ASCII username', { username: 'jürgen', password: PASSWORD }],
      ['an empty username', { username: '', password: PASSWORD }],
      ['a NUL in the username', { username: 'nul\u0000user', password: PASSWORD }],
      ['a 7-character password', { username: 'shortpw', password: '1234567' }],
      ['a 1025-character password', { username: 'longpw', password: 'p'.repeat(1025) }],
      ['a NUL in the password', { username: 'nulpw', password: 'pass\u0000word123' }],
      ['a numeric username', { username: 12345, password: PASSWORD }],
      ['a boolean password', { username: 'boolpw', password: true }],
      ['a null password', { username: 'nullpw', password: null }],
      ['an array username', { username: ['abc'], password: PASSWORD }],
      ['a missing password', { username: 'nopw' }],
      ['a missing username', { password: PASSWORD }],
      ['an empty object', {}],
      ['an unknown field', { username: 'extra', password: PASSWORD, role: 'admin' }],
      ['a __proto__ key', JSON.parse(`{"username":"proto","password":"${PASSWORD}","__proto__":{"role":"admin"}}`)],
      ['a top-level array', [{ username: 'arr', password: PASSWORD }]],
    ])('returns 400 validation_failed for %s', async (_name, body) => {
      const res = await register(body);
      expectError(res, 400, 'validation_failed');
      expect(res.text).not.toContain(PASSWORD); // never echo the offending value
    });

    it('lists the failing fields in error.details', async () => {
      const res = await register({ username: 'ab', password: 'short' });
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details).toEqual(
        expect.arrayContaining([
          { field: 'username', problem: expect.any(String) },
          { field: 'password', problem: expect.any(String) },
        ]),
      );
    });

    it('returns 400 invalid_json for a malformed body', async () => {
      const res = await api.post('/auth/register', undefined, { rawBody: '{"username": "x", ', headers: { 'content-type': 'application/json' }, auth: false });
      expectError(res, 400, 'invalid_json');
    });

    it.each(['"a string"', '42', 'null'])('returns 400 for a non-object JSON body %s', async (raw) => {
      const res = await api.post('/auth/register', undefined, { rawBody: raw, headers: { 'content-type': 'application/json' }, auth: false });
      expect(res.status).toBe(400);
      expect(['invalid_json', 'validation_failed']).toContain(res.body.error.code);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'returns 415 unsupported_media_type for %s',
      async (type) => {
        const res = await api.post('/auth/register', undefined, {
          rawBody: `username=u${Date.now()}&password=${encodeURIComponent(PASSWORD)}`,
          headers: { 'content-type': type },
          auth: false,
        });
        expectError(res, 415, 'unsupported_media_type');
      },
    );

    it('returns 413 payload_too_large for a body over 16 KiB', async () => {
      const res = await register({ username: uniqueUsername('big'), password: PASSWORD, pad: 'x'.repeat(16 * 1024) });
      expectError(res, 413, 'payload_too_large');
    });

    it('returns 413 for a body over 16 KiB even with a wrong content type', async () => {
      const res = await api.post('/auth/register', undefined, { rawBody: 'x'.repeat(17 * 1024), headers: { 'content-type': 'text/plain' }, auth: false });
      expectError(res, 413, 'payload_too_large');
    });
  });

  describe('POST /auth/login', () => {
    let username: string;

    beforeAll(async () => {
      username = uniqueUsername('Login');
      expectOk(await register({ username, password: PASSWORD }), 201);
    });

    it('returns 200 {user} plus the credential of the strategy', async () => {
      const c = client(server);
      const res = await c.post('/auth/login', { username, password: PASSWORD });
      expectOk(res);
      const user = { id: expect.any(String), username, role: 'user', createdAt: isoTime(), disabled: false };
      if (strategy === 'session') {
        expect(res.body).toEqual({ user });
        const sid = setCookie(res, 'sid');
        expect(sid).toBeDefined();
        expect(sid?.split(';')[0].length).toBeGreaterThan('sid='.length + 32);
        expect(cookieAttrs(sid ?? '')).toEqual(expect.arrayContaining(['httponly', 'path=/', 'samesite=lax']));
        expect(res.text).not.toContain(sid?.split(';')[0].slice(4)); // the id never appears in a body
      } else {
        expect(res.body).toEqual({ user, accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), tokenType: 'Bearer', expiresIn: 300 });
        const rt = setCookie(res, 'rt');
        expect(rt).toBeDefined();
        expect(cookieAttrs(rt ?? '')).toEqual(expect.arrayContaining(['httponly', 'path=/auth/refresh', 'samesite=strict']));
        expect(res.text).not.toContain(rt?.split(';')[0].slice(3));
      }
      expect(res.headers.get('cache-control')).toBe('no-store');
      expectOk(await c.get('/auth/me'));
    });

    it('accepts the username in any letter case', async () => {
      const res = await client(server).post('/auth/login', { username: username.toUpperCase(), password: PASSWORD });
      expectOk(res);
      expect(res.body.user.username).toBe(username);
    });

    it('issues a new credential on every login (two logins, two sessions)', async () => {
      const a = client(server);
      const b = client(server);
      expectOk(await a.post('/auth/login', { username, password: PASSWORD }));
      expectOk(await b.post('/auth/login', { username, password: PASSWORD }));
      const ma = await a.get('/auth/me');
      const mb = await b.get('/auth/me');
      expect(ma.body.credential.sessionId).not.toBe(mb.body.credential.sessionId);
    });

    it('rotates the session: logging in again gives a new credential and the old one dies', async () => {
      const c = await signedUp(server);
      const before = c.clone();
      const meBefore = await c.get('/auth/me');
      expectOk(await c.login());
      const meAfter = await c.get('/auth/me');
      expectOk(meAfter);
      expect(meAfter.body.credential.sessionId).not.toBe(meBefore.body.credential.sessionId);
      if (strategy === 'session') {
        expect(c.cookies.get('sid')?.value).not.toBe(before.cookies.get('sid')?.value);
        expectError(await before.get('/auth/me'), 401, 'unauthorized'); // the id sent with the login was destroyed
      } else {
        expect(c.cookies.get('rt')?.value).not.toBe(before.cookies.get('rt')?.value);
        expect(c.accessToken).not.toBe(before.accessToken);
      }
    });

    describe('returns 401 invalid_credentials, identical for unknown user, wrong password and disabled user', () => {
      let disabledName: string;

      beforeAll(async () => {
        disabledName = uniqueUsername('disabled');
        const victim = await signedUp(server, disabledName);
        const admin = await adminClient(server);
        expect((await admin.post(`/admin/users/${victim.userId}/disable`)).status).toBe(204);
      });

      it('for each of the three', async () => {
        const attempts = {
          unknown: await client(server).post('/auth/login', { username: uniqueUsername('ghost'), password: PASSWORD }),
          wrongPassword: await client(server).post('/auth/login', { username, password: `${PASSWORD}!` }),
          disabled: await client(server).post('/auth/login', { username: disabledName, password: PASSWORD }),
        };
        for (const res of Object.values(attempts)) {
          expectError(res, 401, 'invalid_credentials');
          expect(res.setCookies).toEqual([]);
          expect(res.headers.get('www-authenticate')).toBeNull();
        }
        const { unknown, wrongPassword, disabled } = attempts;
        expect(wrongPassword.text).toBe(unknown.text);
        expect(disabled.text).toBe(unknown.text);
        expect(headerNames(wrongPassword)).toEqual(headerNames(unknown));
        expect(headerNames(disabled)).toEqual(headerNames(unknown));
        for (const name of headerNames(unknown).filter((h) => !['date', 'x-request-id'].includes(h))) {
          expect([name, wrongPassword.headers.get(name)]).toEqual([name, unknown.headers.get(name)]);
          expect([name, disabled.headers.get(name)]).toEqual([name, unknown.headers.get(name)]);
        }
      });
    });

    it.each([
      ['a missing password', { username: 'someone' }],
      ['an empty password', { username: 'someone', password: '' }],
      ['an empty username', { username: '', password: PASSWORD }],
      ['a 1025-character password', { username: 'someone', password: 'p'.repeat(1025) }],
      ['a NUL in the username', { username: 'some\u0000one', password: PASSWORD }],
      ['a NUL in the password', { username: 'someone', password: 'pass\u0000word' }],
      ['a numeric password', { username: 'someone', password: 12345678 }],
      ['an object username', { username: { $ne: '' }, password: PASSWORD }],
      ['an unknown field', { username: 'someone', password: PASSWORD, remember: true }],
    ])('returns 400 validation_failed for %s', async (_name, body) => {
      const res = await client(server).post('/auth/login', body);
      expectError(res, 400, 'validation_failed');
      expect(res.setCookies).toEqual([]);
    });

    it('returns 400 invalid_json and 415 unsupported_media_type', async () => {
      expectError(await client(server).post('/auth/login', undefined, { rawBody: '{', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
      expectError(
        await client(server).post('/auth/login', undefined, {
          rawBody: `username=${username}&password=x`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        415,
        'unsupported_media_type',
      );
    });
  });

  describe('POST /auth/refresh', () => {
    if (strategy === 'session') {
      it('returns 404 not_found on the session server', async () => {
        const c = await signedUp(server);
        expectError(await c.refresh(), 404, 'not_found');
        expectError(await client(server).refresh(), 404, 'not_found');
        expectOk(await c.get('/auth/me')); // the session is untouched
      });
      return;
    }

    it('returns 200 with a new access token and rotates the refresh cookie', async () => {
      const c = await signedUp(server);
      const oldRt = c.cookies.get('rt')?.value;
      const oldAccess = c.accessToken;
      const meBefore = await c.get('/auth/me');
      const res = await c.refresh();
      expectOk(res);
      expect(res.body).toEqual({ accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), tokenType: 'Bearer', expiresIn: 300 });
      expect(res.body.accessToken).not.toBe(oldAccess);
      const rt = setCookie(res, 'rt');
      expect(rt).toBeDefined();
      expect(cookieAttrs(rt ?? '')).toEqual(expect.arrayContaining(['httponly', 'path=/auth/refresh', 'samesite=strict']));
      expect(c.cookies.get('rt')?.value).not.toBe(oldRt);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const meAfter = await c.get('/auth/me');
      expectOk(meAfter);
      expect(meAfter.body.user).toEqual(meBefore.body.user);
      expect(meAfter.body.credential.sessionId).toBe(meBefore.body.credential.sessionId); // same family
    });

    it('needs no access token (the refresh cookie is the credential)', async () => {
      const c = await signedUp(server);
      c.accessToken = null;
      expectOk(await c.refresh());
      expect(c.accessToken).toEqual(expect.any(String));
      expectOk(await c.get('/auth/me'));
    });

    it('returns 401 invalid_refresh_token without a cookie', async () => {
      expectError(await client(server).refresh(), 401, 'invalid_refresh_token');
    });

    it('returns 401 invalid_refresh_token for a garbage cookie', async () => {
      const res = await client(server).post('/auth/refresh', undefined, { headers: { cookie: 'rt=garbage' } });
      expectError(res, 401, 'invalid_refresh_token');
      const wellFormed = await client(server).post('/auth/refresh', undefined, { headers: { cookie: `rt=${'A'.repeat(43)}` } });
      expectError(wellFormed, 401, 'invalid_refresh_token');
    });

    it('revokes the whole family when a rotated refresh token is reused', async () => {
      const c = await signedUp(server);
      const stale = c.clone();
      expectOk(await c.refresh()); // rotates: stale now holds a used token
      expectError(await stale.refresh(), 401, 'invalid_refresh_token');
      // The reuse killed the family: the legitimate holder's current token is dead too.
      expectError(await c.refresh(), 401, 'invalid_refresh_token');
    });

    it('keeps rotating for as long as the newest token is used', async () => {
      const c = await signedUp(server);
      for (let i = 0; i < 3; i++) expectOk(await c.refresh());
      await expectCredentialAlive(c);
    });
  });
});
