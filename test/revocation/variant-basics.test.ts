// What the revocation variants add to the contract the plain twins pass (test/contract): GET
// /auth/me names where the revocation check was answered; a reused refresh token kills its family's
// access tokens on every instance; the session cache never outlives the touch interval nor a
// session's idle expiry, and the touch write still happens while the cache answers.
import { ApiClient, eventually, PASSWORD, sleep, sql, startTestServer, stopAllServers } from '../support/harness';
import { connect, expectServedFromMemory, me, NOTIFY_BOUND_MS, on, type Pair, revokedAfter, startPair, VARIANTS } from './helpers';

afterAll(stopAllServers);

describe.each(VARIANTS)('%s basics', (variant) => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await startPair(variant);
  }, 90_000);

  it('GET /auth/me: the usual credential plus `revocation`, where the check was answered', async () => {
    const c = await new ApiClient(pair.strategy, pair.a.url).signUp();
    await expectServedFromMemory(c, variant);
    const res = await c.get('/auth/me');
    expect(res.body.credential).toMatchObject({
      strategy: pair.strategy,
      variant,
      sessionId: expect.any(String),
      issuedAt: expect.any(String),
      expiresAt: expect.any(String),
      revocation: variant === 'jwt-denylist' ? 'database' : 'memory',
    });
    expect((await c.get('/cart')).status).toBe(200);
    expect((await c.get('/auth/sessions')).body.sessions).toHaveLength(1);
  });

  if (variant !== 'session-cached') {
    it('POST /auth/refresh: the new access token works on both instances; reusing the old refresh token kills it everywhere', async () => {
      const c = await new ApiClient('jwt', pair.a.url).signUp();
      const stolen = c.clone(); // holds the refresh token about to be rotated
      expect((await c.post('/auth/refresh')).status).toBe(200);
      await expectServedFromMemory(on(c, pair.a), variant);
      await expectServedFromMemory(on(c, pair.b), variant);
      // The rotated token comes back (RFC 9700 4.14.2): the whole family dies, its access tokens too.
      expect((await stolen.clone(pair.b.url).post('/auth/refresh')).status).toBe(401);
      const since = performance.now();
      for (const server of [pair.a, pair.b]) {
        const r = await revokedAfter(on(c, server), since, variant === 'jwt-denylist' ? 0 : NOTIFY_BOUND_MS);
        expect(r.ms).not.toBeNull();
      }
    });
  }
});

describe('jwt-push: announcing many families at once', () => {
  it('logout-all of a user with 250 refresh families: every id announced, in payloads under the 8000-byte NOTIFY limit', async () => {
    const pair = await startPair('jwt-push');
    const first = await new ApiClient('jwt', pair.a.url).signUp();
    for (let batch = 0; batch < 25; batch++) {
      await Promise.all(
        Array.from({ length: batch === 0 ? 9 : 10 }, async () => {
          const res = await new ApiClient('jwt', pair.a.url).login(first.username!);
          expect(res.status).toBe(200);
        }),
      );
    }
    const listener = await connect(pair.databaseUrl);
    const payloads: string[] = [];
    try {
      listener.on('notification', (n) => {
        if (n.channel === 'jwt_revoked') payloads.push(n.payload ?? '');
      });
      await listener.query('LISTEN jwt_revoked');
      expect((await first.post('/auth/logout-all')).status).toBe(204);
      expect(await eventually(async () => payloads.length >= 2, 5000, 20)).toBe(true);
      await sleep(200); // nothing more is coming
    } finally {
      await listener.end();
    }
    const ids = payloads.flatMap((p) => (JSON.parse(p) as { u: string; f: string[] }).f);
    expect(payloads).toHaveLength(2);
    for (const p of payloads) {
      expect(Buffer.byteLength(p)).toBeLessThan(8000);
      expect(JSON.parse(p).u).toBe(first.userId);
    }
    expect(new Set(ids).size).toBe(250);
    const families = await sql<{ public_id: string }>(pair.databaseUrl, 'SELECT public_id FROM jwt_refresh_families WHERE user_id = $1', [first.userId]);
    expect(new Set(ids)).toEqual(new Set(families.map((f) => f.public_id)));
    expect((await me(on(first, pair.b))).state).toBe('revoked');
  }, 120_000);
});

describe('session-cached: the cache and the session timeouts', () => {
  it('an active session outlives the idle timeout (touched while the cache answers); an idle one dies on every instance', async () => {
    const env = { SESSION_IDLE_TIMEOUT_MS: '3000', SESSION_TOUCH_INTERVAL_MS: '1000' };
    const pair = await startPair('session-cached', env);
    const c = await new ApiClient('session', pair.a.url).signUp();
    const sessionId = (await me(c)).res.body.credential.sessionId as string;
    const lastSeen = async () => (await sql<{ t: Date }>(pair.databaseUrl, 'SELECT last_seen_at AS t FROM sessions WHERE public_id = $1', [sessionId]))[0].t;
    const firstSeen = await lastSeen();
    const sources = new Set<string | undefined>();
    // 4.5 s of activity, alternating instances: well past the 3 s idle timeout.
    const until = Date.now() + 4500;
    let i = 0;
    while (Date.now() < until) {
      const r = await me(on(c, i++ % 2 ? pair.b : pair.a));
      expect(r.state).toBe('ok');
      sources.add(r.source);
      await sleep(100);
    }
    expect(sources).toEqual(new Set(['memory', 'database'])); // mostly memory, re-read once per touch interval
    expect((await lastSeen()).getTime()).toBeGreaterThan(firstSeen.getTime() + 2000);
    // Idle for longer than the idle timeout: dead everywhere (no cache entry outlives the expiry).
    await sleep(3300);
    expect((await me(on(c, pair.a))).state).toBe('revoked');
    expect((await me(on(c, pair.b))).state).toBe('revoked');
  }, 60_000);

  it('SESSION_TOUCH_INTERVAL_MS=0 leaves nothing to cache: every lookup asks Postgres', async () => {
    const server = await startTestServer('session', { AUTH_VARIANT: 'session-cached', SESSION_TOUCH_INTERVAL_MS: '0' });
    const c = await new ApiClient('session', server.url).signUp();
    for (let i = 0; i < 3; i++) expect((await me(c)).source).toBe('database');
    expect((await c.post('/auth/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` })).status).toBe(200);
  });
});
