// Security: ending sessions (ASVS 5.0 7.4.1-7.4.3, 7.5.2): logout-all, password change (revokes the
// others), admin disable (revokes all), listing and revoking one's own sessions (and only one's own).
// Revocation on the session server is immediate: the very next request with the old id gives 401.
import { ApiClient, PASSWORD, sql, startTestServer, stopAllServers, type TestServer } from '../support/harness';

afterAll(stopAllServers);

describe('session termination', () => {
  let server: TestServer;
  let bystander: ApiClient;

  /** The same user logged in on `n` devices. */
  async function devices(n: number): Promise<ApiClient[]> {
    const first = await new ApiClient('session', server.url).signUp();
    const rest = await Promise.all(
      Array.from({ length: n - 1 }, async (_, i) => {
        const c = new ApiClient('session', server.url);
        expect((await c.post('/auth/login', { username: first.username, password: PASSWORD }, { headers: { 'user-agent': `device-${i + 2}` } })).status).toBe(
          200,
        );
        c.username = first.username;
        c.userId = first.userId;
        return c;
      }),
    );
    return [first, ...rest];
  }

  beforeAll(async () => {
    server = await startTestServer('session');
    bystander = await new ApiClient('session', server.url).signUp();
  });

  // Another user's session is never collateral damage, and the server is still fine.
  afterEach(async () => {
    expect((await bystander.get('/auth/me')).status).toBe(200);
  });

  it('POST /auth/logout ends this session only', async () => {
    const [a, b] = await devices(2);
    const replay = a.clone();
    expect((await a.post('/auth/logout')).status).toBe(204);
    expect((await replay.get('/auth/me')).status).toBe(401);
    expect((await b.get('/auth/me')).status).toBe(200);
  });

  it('POST /auth/logout-all ends every session of the user, at once', async () => {
    const [a, b, c] = await devices(3);
    const replay = a.clone();
    expect((await a.post('/auth/logout-all')).status).toBe(204);
    for (const d of [replay, b, c]) expect((await d.get('/auth/me')).status).toBe(401);
    expect(await sql(server.databaseUrl, 'SELECT 1 FROM sessions WHERE user_id = $1', [a.userId])).toHaveLength(0);
    // A new login works again.
    expect((await a.login()).status).toBe(200);
    expect((await a.get('/auth/me')).status).toBe(200);
  });

  it('POST /auth/password ends the other sessions and rotates the caller to a new one', async () => {
    const [a, b] = await devices(2);
    const oldA = a.clone();
    const res = await a.post('/auth/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD} v2` });
    expect(res.status).toBe(200);
    expect((await a.get('/auth/me')).status).toBe(200);
    expect((await oldA.get('/auth/me')).status).toBe(401);
    expect((await b.get('/auth/me')).status).toBe(401);
    const sessions = (await a.get('/auth/sessions')).body.sessions;
    expect(sessions).toHaveLength(1);
    expect(sessions[0].current).toBe(true);
    // The old password no longer logs in; the new one does.
    expect((await new ApiClient('session', server.url).login(a.username!, PASSWORD)).status).toBe(401);
    expect((await new ApiClient('session', server.url).login(a.username!, `${PASSWORD} v2`)).status).toBe(200);
  });

  it('POST /admin/users/:id/disable ends every session of that user and refuses new logins', async () => {
    const [a, b] = await devices(2);
    const admin = new ApiClient('session', server.url);
    expect((await admin.login('admin', PASSWORD)).status).toBe(200);
    expect((await admin.post(`/admin/users/${a.userId}/disable`)).status).toBe(204);
    expect((await a.get('/auth/me')).status).toBe(401);
    expect((await b.get('/auth/me')).status).toBe(401);
    expect((await new ApiClient('session', server.url).login(a.username!, PASSWORD)).status).toBe(401);
    expect((await admin.get('/auth/me')).status).toBe(200);
  });

  it('disabling a user deletes their sessions in the same transaction, whoever disables (the database enforces it)', async () => {
    const [a] = await devices(1);
    // Gray box: disable directly in the database, without the revocation the admin route performs.
    // The trigger of migrations/050_session_hot_path.sql deletes the sessions in that statement, so no
    // session row of a disabled user can survive for the one-read lookup to accept.
    await sql(server.databaseUrl, 'UPDATE users SET disabled_at = now() WHERE id = $1', [a.userId]);
    expect(await sql(server.databaseUrl, 'SELECT 1 FROM sessions WHERE user_id = $1', [a.userId])).toHaveLength(0);
    expect((await a.get('/auth/me')).status).toBe(401);
  });

  it('GET /auth/sessions lists the live sessions with the current one flagged, and no secrets', async () => {
    const [a] = await devices(3);
    const res = await a.get('/auth/sessions');
    expect(res.status).toBe(200);
    const sessions = res.body.sessions as { id: string; current: boolean; userAgent: string | null }[];
    expect(sessions).toHaveLength(3);
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    expect(sessions.find((s) => s.current)!.id).toBe((await a.get('/auth/me')).body.credential.sessionId);
    expect(sessions.map((s) => s.userAgent).sort()).toEqual(expect.arrayContaining(['device-2', 'device-3']));
    expect(res.text).not.toContain(a.cookies.get('sid')!.value);
    for (const s of sessions) expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("DELETE /auth/sessions/:id revokes one of the caller's own sessions, immediately", async () => {
    const [a, b] = await devices(2);
    const bId = (await b.get('/auth/me')).body.credential.sessionId;
    expect((await a.delete(`/auth/sessions/${bId}`)).status).toBe(204);
    expect((await b.get('/auth/me')).status).toBe(401);
    expect((await a.get('/auth/me')).status).toBe(200);
    // Already gone: 404 the second time.
    expect((await a.delete(`/auth/sessions/${bId}`)).status).toBe(404);
  });

  it("DELETE /auth/sessions/:id cannot revoke another user's session (404, and it keeps working)", async () => {
    const [attacker] = await devices(1);
    const victimId = (await bystander.get('/auth/me')).body.credential.sessionId;
    const res = await attacker.delete(`/auth/sessions/${victimId}`);
    expect(res.status).toBe(404);
    expect((await bystander.get('/auth/me')).status).toBe(200);
  });

  it.each([
    ['a malformed id', 'not-a-session-id'],
    ['an id with a NUL byte', 'AAAAAAAAAAAAAAAAAAAAA%00'],
    ['an id with SQL in it', "x'%20OR%20'1'%3D'1"],
    ['a 2 KB id', 'A'.repeat(2048)],
    ['the secret session id instead of the public one', null],
  ])('DELETE /auth/sessions/:id with %s gives 404, never 500', async (_what, id) => {
    const [a] = await devices(1);
    const path = `/auth/sessions/${id ?? a.cookies.get('sid')!.value}`;
    const res = await a.delete(path);
    expect(res.status).toBe(404);
    expect((await a.get('/auth/me')).status).toBe(200);
  });
});

describe('session-memory variant', () => {
  it('works on the instance that issued the session, and is unknown to another instance', async () => {
    const one = await startTestServer('session', { AUTH_VARIANT: 'session-memory' });
    const two = await startTestServer('session', { AUTH_VARIANT: 'session-memory' }, one.databaseUrl);
    const c = await new ApiClient('session', one.url).signUp();
    const me = await c.get('/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.credential.variant).toBe('session-memory');
    // No shared storage: the same cookie on the other instance is an unknown id.
    expect((await c.clone(two.url).get('/auth/me')).status).toBe(401);
    // Nothing in Postgres.
    expect(await sql(one.databaseUrl, 'SELECT 1 FROM sessions')).toHaveLength(0);
    const replay = c.clone();
    expect((await c.post('/auth/logout')).status).toBe(204);
    expect((await replay.get('/auth/me')).status).toBe(401);
  });
});
