// GET /metrics (servers/core/metrics/): on its own loopback port, never on the public one; request
// counters per route template and status; auth outcomes per reason; database round trips; each
// in-process variant's state. Every figure is read before and after real requests: a counter that
// does not move fails the test.
import { createHmac } from 'node:crypto';
import { ApiClient, startTestServer, stopAllServers, TEST_JWT_KEYS, type TestServer } from '../support/harness';
import { type Sample, sampleValue, scrape } from './prometheus-text';

afterAll(stopAllServers);

const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string> = {}) =>
  sampleValue(after, name, labels) - sampleValue(before, name, labels);

/** An HS256 token with our exact claim set whose exp has passed (signed with the test key). */
function expiredToken(userId: string): string {
  const [kid, secret] = TEST_JWT_KEYS.split(':');
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'HS256', typ: 'at+jwt', kid });
  const body = b64({
    iss: 'sessions-vs-tokens',
    sub: userId,
    aud: 'sessions-vs-tokens-api',
    exp: now - 3600,
    iat: now - 7200,
    jti: 'AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA',
    role: 'user',
  });
  const sig = createHmac('sha256', Buffer.from(secret, 'base64url')).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

describe('jwt-denylist server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('jwt', { AUTH_VARIANT: 'jwt-denylist' });
  });

  it('serves /metrics on its own loopback port only, not on the public one', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(server.metricsUrl as string).port).not.toBe(new URL(server.url).port);
    const res = await fetch(server.metricsUrl as string);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });

  it('counts requests per route template and status, and every auth outcome by reason', async () => {
    const user = await new ApiClient('jwt', server.url).signUp();
    const before = await scrape(server.metricsUrl);
    const me = (authorization?: string) => fetch(`${server.url}/auth/me`, { headers: authorization ? { authorization } : {} });
    expect((await me()).status).toBe(401); // missing
    expect((await me('Bearer not.a.token')).status).toBe(401); // invalid
    expect((await me(`Bearer ${expiredToken(user.userId as string)}`)).status).toBe(401); // expired
    expect((await user.get('/auth/me')).status).toBe(200); // ok
    const stale = user.clone();
    expect((await user.post('/auth/logout')).status).toBe(204);
    expect((await stale.get('/auth/me')).status).toBe(401); // revoked (the denylist checks the family)
    expect((await fetch(`${server.url}/cart/items/NO-SUCH-SKU`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${server.url}/no/such/path/${Date.now()}`)).status).toBe(404);
    const after = await scrape(server.metricsUrl);

    const outcomes = (o: string) => delta(before, after, 'auth_outcomes_total', { outcome: o });
    expect(outcomes('missing')).toBe(2); // /auth/me and DELETE /cart/items/...
    expect(outcomes('invalid')).toBe(1);
    expect(outcomes('expired')).toBe(1);
    expect(outcomes('revoked')).toBe(1);
    expect(outcomes('ok')).toBe(2); // GET /auth/me and the logout

    const requests = (route: string, status: string, method = 'GET') => delta(before, after, 'http_requests_total', { method, route, status });
    expect(requests('/auth/me', '401')).toBe(4);
    expect(requests('/auth/me', '200')).toBe(1);
    // The template, never the path a client sent: no label per SKU or per probe.
    expect(requests('/cart/items/:sku', '401', 'DELETE')).toBe(1);
    expect(requests('unmatched', '404')).toBe(1);
    expect(after.some((s) => s.labels.route?.includes('NO-SUCH-SKU') || s.labels.route?.startsWith('/no/'))).toBe(false);
    expect(delta(before, after, 'http_request_duration_seconds_count', { method: 'GET', route: '/auth/me', status: '200' })).toBe(1);
    expect(delta(before, after, 'http_request_duration_seconds_bucket', { method: 'GET', route: '/auth/me', status: '200', le: '+Inf' })).toBe(1);

    // jwt-denylist: one Postgres round trip per authenticated request, counted by statement.
    const queries = after.filter((s) => s.name === 'db_queries_total').reduce((n, s) => n + s.value, 0);
    const queriesBefore = before.filter((s) => s.name === 'db_queries_total').reduce((n, s) => n + s.value, 0);
    expect(queries - queriesBefore).toBeGreaterThanOrEqual(3);
    expect(sampleValue(after, 'db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });
});

describe('session-cached server', () => {
  it('counts cache hits and misses, and reports the cache size and a live listener', async () => {
    const server = await startTestServer('session', { AUTH_VARIANT: 'session-cached' });
    const user = await new ApiClient('session', server.url).signUp();
    const before = await scrape(server.metricsUrl);
    for (let i = 0; i < 5; i++) expect((await user.get('/auth/me')).status).toBe(200);
    const after = await scrape(server.metricsUrl);
    const hits = delta(before, after, 'session_cache_lookups_total', { result: 'hit' });
    const misses = delta(before, after, 'session_cache_lookups_total', { result: 'miss' });
    expect(hits + misses).toBe(5);
    expect(hits).toBeGreaterThanOrEqual(3); // the first lookup (or a due touch) goes to Postgres, the rest are memory
    expect(sampleValue(after, 'session_cache_entries')).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'revocation_listener_up')).toBe(1);
    expect(sampleValue(after, 'auth_outcomes_total', { outcome: 'ok' }) - sampleValue(before, 'auth_outcomes_total', { outcome: 'ok' })).toBe(5);
  });

  it('says `missing` without a cookie and `invalid` for an unknown one', async () => {
    const server = await startTestServer('session');
    const before = await scrape(server.metricsUrl);
    expect((await fetch(`${server.url}/auth/me`)).status).toBe(401);
    expect((await fetch(`${server.url}/auth/me`, { headers: { cookie: `sid=${'A'.repeat(43)}` } })).status).toBe(401);
    const after = await scrape(server.metricsUrl);
    expect(delta(before, after, 'auth_outcomes_total', { outcome: 'missing' })).toBe(1);
    expect(delta(before, after, 'auth_outcomes_total', { outcome: 'invalid' })).toBe(1);
    // The plain session variant has no listener: no gauge claims one is down.
    expect(after.some((s) => s.name === 'revocation_listener_up')).toBe(false);
  });
});

describe('jwt-push server', () => {
  it('reports the denylist size, a live listener and the age of the last notification', async () => {
    const server = await startTestServer('jwt', { AUTH_VARIANT: 'jwt-push' });
    const first = await scrape(server.metricsUrl);
    expect(sampleValue(first, 'revocation_listener_up')).toBe(1);
    const user = await new ApiClient('jwt', server.url).signUp();
    expect((await user.post('/auth/logout')).status).toBe(204);
    // The NOTIFY of the logout reaches this instance's own listener.
    let after = await scrape(server.metricsUrl);
    for (let i = 0; i < 50 && sampleValue(after, 'revocation_last_notification_age_seconds') < 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await scrape(server.metricsUrl);
    }
    expect(sampleValue(after, 'revocation_last_notification_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleValue(after, 'jwt_denylist_entries')).toBeGreaterThan(sampleValue(first, 'jwt_denylist_entries'));
  });
});

describe('METRICS_ENABLED=0', () => {
  it('starts no metrics listener', async () => {
    const server = await startTestServer('jwt', { METRICS_ENABLED: '0' });
    expect(server.metricsUrl).toBeNull();
    expect(server.logs.some((l) => l.includes('metrics listening'))).toBe(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
