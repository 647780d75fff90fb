// Object-level and role authorization (SECURITY.md "Input and responses", ASVS V8): a user only ever
// sees and changes their own cart and sessions, whatever ids, fields or headers they send; only an
// admin (by the role in the credential) disables users; nobody becomes admin through request data.
import { ApiClient, PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const summary = (items: { sku: string; qty: number }[]) => items.map((i) => `${i.sku}x${i.qty}`);

describe.each(STRATEGIES)('%s server: authorization', (strategy) => {
  let server: TestServer;
  let alice: ApiClient;
  let bob: ApiClient;
  let admin: ApiClient;
  let aliceSessionIds: string[];

  beforeAll(async () => {
    server = await startTestServer(strategy);
    alice = await new ApiClient(strategy, server.url).signUp(uniqueUsername('alice'));
    bob = await new ApiClient(strategy, server.url).signUp(uniqueUsername('bob'));
    admin = new ApiClient(strategy, server.url);
    expect((await admin.login('admin', PASSWORD)).status).toBe(200);
    expect((await alice.post('/cart/items', { sku: 'KB-001', qty: 3 })).status).toBe(200);
    expect((await alice.post('/cart/items', { sku: 'MN-003', qty: 1 })).status).toBe(200);
    // A second session (or refresh family) for alice, so there are ids bob could aim at.
    // (A fresh client: logging in while sending alice's cookie would rotate, i.e. end, her session.)
    expect((await new ApiClient(strategy, server.url).login(alice.username!, PASSWORD)).status).toBe(200);
    const list = await alice.get('/auth/sessions');
    expect(list.status).toBe(200);
    aliceSessionIds = list.body.sessions.map((s: { id: string }) => s.id);
    expect(aliceSessionIds.length).toBeGreaterThanOrEqual(2);
  });

  // After every attempt alice is intact: same credential, same cart, same sessions, not disabled.
  afterEach(async () => {
    expect((await alice.get('/auth/me')).status).toBe(200);
    const cart = await alice.get('/cart');
    expect(summary(cart.body.items)).toEqual(['KB-001x3', 'MN-003x1']);
    const ids = (await alice.get('/auth/sessions')).body.sessions.map((s: { id: string }) => s.id);
    expect(ids).toEqual(expect.arrayContaining(aliceSessionIds));
    expect((await bob.get('/auth/me')).status).toBe(200);
  });

  describe('carts', () => {
    it("GET /cart as bob shows bob's (empty) cart, whatever user id he adds to the request", async () => {
      for (const path of [`/cart?userId=${alice.userId}`, `/cart?user_id=${alice.userId}&id=${alice.userId}`, '/cart']) {
        const res = await bob.get(path, { headers: { 'x-user-id': alice.userId!, 'x-forwarded-user': alice.username! } });
        expect(res.status).toBe(200);
        expect(res.body.items).toEqual([]);
      }
    });

    it("GET /cart/:userId (an id in the path): 404, never alice's cart", async () => {
      const res = await bob.get(`/cart/${alice.userId}`);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 404, code: 'not_found' });
      expect(res.text).not.toContain('MN-003');
    });

    it("POST /cart/items with alice's userId in the body: 400 validation_failed (unknown field)", async () => {
      for (const extra of [{ userId: alice.userId }, { user_id: alice.userId }, { user: { id: alice.userId } }]) {
        const res = await bob.post('/cart/items', { sku: 'HD-004', qty: 1, ...extra });
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      }
    });

    it("PUT, DELETE /cart/items/:sku and DELETE /cart as bob change only bob's cart", async () => {
      const headers = { 'x-user-id': alice.userId! };
      expect((await bob.post('/cart/items', { sku: 'KB-001', qty: 1 }, { headers })).status).toBe(200);
      expect((await bob.put('/cart/items/MN-003', { qty: 7 }, { headers })).status).toBe(200);
      expect(summary((await bob.get('/cart')).body.items)).toEqual(['KB-001x1', 'MN-003x7']);
      expect((await bob.delete('/cart/items/KB-001', { headers })).status).toBe(200);
      expect((await bob.delete(`/cart?userId=${alice.userId}`, { headers })).status).toBe(200);
      expect((await bob.get('/cart')).body.items).toEqual([]);
    });

    it('without a credential every cart route is 401 unauthorized', async () => {
      const anon = new ApiClient(strategy, server.url);
      for (const res of [
        await anon.get(`/cart?userId=${alice.userId}`),
        await anon.post('/cart/items', { sku: 'KB-001', qty: 1 }),
        await anon.put('/cart/items/KB-001', { qty: 1 }),
        await anon.delete('/cart/items/KB-001'),
        await anon.delete('/cart'),
      ]) {
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'unauthorized' });
      }
    });
  });

  describe('sessions', () => {
    it("GET /auth/sessions as bob never lists alice's sessions", async () => {
      const res = await bob.get(`/auth/sessions?userId=${alice.userId}`, { headers: { 'x-user-id': alice.userId! } });
      expect(res.status).toBe(200);
      const ids = res.body.sessions.map((s: { id: string }) => s.id);
      expect(ids.length).toBeGreaterThanOrEqual(1);
      for (const id of aliceSessionIds) expect(ids).not.toContain(id);
    });

    it("DELETE /auth/sessions/:id with alice's session ids, as bob: 404 session_not_found, alice stays logged in", async () => {
      for (const id of aliceSessionIds) {
        const res = await bob.delete(`/auth/sessions/${id}`);
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 404, code: 'session_not_found' });
      }
    });

    it("DELETE /auth/sessions/:id with alice's ids and an admin credential: 404 (an admin revokes through disable only)", async () => {
      for (const id of aliceSessionIds) {
        const res = await admin.delete(`/auth/sessions/${id}`);
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 404, code: 'session_not_found' });
      }
    });

    it('bob revoking one of his own sessions works (the control for the two tests above)', async () => {
      bob.reset(); // a second browser: bob now has two sessions / refresh families
      expect((await bob.login()).status).toBe(200);
      const mine = (await bob.get('/auth/sessions')).body.sessions as { id: string; current: boolean }[];
      const other = mine.find((s) => !s.current);
      expect(other).toBeDefined();
      expect((await bob.delete(`/auth/sessions/${other!.id}`)).status).toBe(204);
      expect((await bob.get('/auth/sessions')).body.sessions.map((s: { id: string }) => s.id)).not.toContain(other!.id);
    });

    it('POST /auth/logout-all as bob does not touch alice', async () => {
      const bobToo = await new ApiClient(strategy, server.url).signUp(uniqueUsername('bob2'));
      expect((await bobToo.post('/auth/logout-all', undefined, { headers: { 'x-user-id': alice.userId! } })).status).toBe(204);
    });
  });

  describe('admin', () => {
    it('POST /admin/users/:id/disable as a non-admin: 403 forbidden, alice is not disabled', async () => {
      const res = await bob.post(`/admin/users/${alice.userId}/disable`);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 403, code: 'forbidden' });
      expect((await new ApiClient(strategy, server.url).login(alice.username!, PASSWORD)).status).toBe(200);
    });

    it('POST /admin/users/:id/disable with forged role headers and query: still 403 forbidden', async () => {
      const res = await bob.post(`/admin/users/${alice.userId}/disable?role=admin&admin=1`, undefined, {
        headers: { 'x-role': 'admin', 'x-user-role': 'admin', 'x-admin': 'true', 'x-forwarded-user': 'admin', 'x-user-id': '1' },
      });
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 403, code: 'forbidden' });
    });

    it('POST /admin/users/:id/disable without a credential: 401 unauthorized', async () => {
      const res = await new ApiClient(strategy, server.url).post(`/admin/users/${alice.userId}/disable`);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'unauthorized' });
    });

    it('a non-admin cannot disable themselves or the admin either', async () => {
      const adminId = (await admin.get('/auth/me')).body.user.id;
      for (const id of [bob.userId, adminId]) {
        const res = await bob.post(`/admin/users/${id}/disable`);
        expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 403, code: 'forbidden' });
      }
      expect((await admin.get('/auth/me')).body.user.role).toBe('admin');
    });

    it('the admin disables a user (control): the user can no longer log in', async () => {
      const victim = await new ApiClient(strategy, server.url).signUp(uniqueUsername('victim'));
      expect((await admin.post(`/admin/users/${victim.userId}/disable`)).status).toBe(204);
      const res = await new ApiClient(strategy, server.url).login(victim.username!, PASSWORD);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    });
  });

  describe('no privilege from request data', () => {
    it.each([
      ['role', { role: 'admin' }],
      ['isAdmin', { isAdmin: true }],
      ['admin', { admin: true }],
      ['id', { id: '1' }],
      ['disabled', { disabled: false }],
      ['roles', { roles: ['admin'] }],
    ])('POST /auth/register with "%s" in the body: 400 validation_failed, no account created', async (_name, extra) => {
      const username = uniqueUsername('escalate');
      const res = await new ApiClient(strategy, server.url).post('/auth/register', { username, password: PASSWORD, ...extra });
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      const login = await new ApiClient(strategy, server.url).login(username, PASSWORD);
      expect({ status: login.status, code: login.body?.error?.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    });

    it('POST /auth/login with "role": "admin" in the body: 400 validation_failed, no credential', async () => {
      const res = await new ApiClient(strategy, server.url).post('/auth/login', { username: bob.username, password: PASSWORD, role: 'admin' });
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect(res.body.accessToken).toBeUndefined();
    });

    it('registering "ADMIN" (the admin name in another case): 409 username_taken', async () => {
      const res = await new ApiClient(strategy, server.url).register('ADMIN');
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 409, code: 'username_taken' });
    });

    it('a freshly registered user is a plain user: GET /auth/me says role "user"', async () => {
      const fresh = await new ApiClient(strategy, server.url).signUp();
      const me = await fresh.get('/auth/me');
      expect(me.body.user).toEqual({ id: fresh.userId, role: 'user' });
    });

    it('POST /auth/password with extra fields (role, userId): 400 validation_failed, password unchanged', async () => {
      const res = await bob.post('/auth/password', { currentPassword: PASSWORD, newPassword: 'bob-new-password', userId: alice.userId });
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect((await new ApiClient(strategy, server.url).login(alice.username!, PASSWORD)).status).toBe(200);
      expect((await new ApiClient(strategy, server.url).login(bob.username!, PASSWORD)).status).toBe(200);
    });
  });
});
