// Security: session timeouts enforced on the server (SECURITY.md "Timeouts": OWASP 15-30 min idle,
// ASVS 4 L2 30 min idle / 12 h absolute) and the touch throttle that keeps reads read-only. The
// timeouts are shortened to seconds through configuration; the server, not the cookie, decides.
import { ApiClient, type ApiResponse, eventually, sleep, sql, startTestServer, stopAllServers, type TestServer } from '../support/harness';

afterAll(stopAllServers);

const IDLE_MS = 2000;
const ABSOLUTE_MS = 5000;
const TOUCH_MS = 200;

interface Row {
  last_seen_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
}

async function rowOf(server: TestServer, c: ApiClient): Promise<Row> {
  const publicId = (await c.get('/auth/me')).body.credential.sessionId;
  const rows = await sql<Row>(server.databaseUrl, 'SELECT last_seen_at, idle_expires_at, absolute_expires_at FROM sessions WHERE public_id = $1', [publicId]);
  expect(rows).toHaveLength(1);
  return rows[0];
}

describe('session timeouts', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('session', {
      SESSION_IDLE_TIMEOUT_MS: String(IDLE_MS),
      SESSION_ABSOLUTE_TIMEOUT_MS: String(ABSOLUTE_MS),
      SESSION_TOUCH_INTERVAL_MS: String(TOUCH_MS),
      SESSION_PRUNE_INTERVAL_MS: '1000',
    });
  });

  it('reports both expiries; expiresAt is the earlier one; the cookie lives no longer than the absolute timeout', async () => {
    const c = new ApiClient('session', server.url);
    expect((await c.register()).status).toBe(201);
    const login = await c.login();
    const maxAge = /max-age=(\d+)/i.exec(login.setCookies[0])?.[1];
    expect(Number(maxAge)).toBeLessThanOrEqual(ABSOLUTE_MS / 1000);
    const { credential } = (await c.get('/auth/me')).body;
    const issued = Date.parse(credential.issuedAt);
    expect(Date.parse(credential.absoluteExpiresAt) - issued).toBe(ABSOLUTE_MS);
    expect(Date.parse(credential.idleExpiresAt) - issued).toBeLessThanOrEqual(IDLE_MS + TOUCH_MS * 2);
    expect(credential.expiresAt).toBe(new Date(Math.min(Date.parse(credential.idleExpiresAt), Date.parse(credential.absoluteExpiresAt))).toISOString());
  });

  it('idle expiry: a session unused for longer than the idle timeout gives 401', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    expect((await c.get('/auth/me')).status).toBe(200);
    await sleep(IDLE_MS + 600);
    expect((await c.get('/auth/me')).status).toBe(401);
    expect((await c.get('/cart')).status).toBe(401);
  });

  it('activity extends the idle expiry, but the absolute expiry ends the session despite activity', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const start = Date.now();
    const statuses: { at: number; status: number }[] = [];
    let last: ApiResponse | undefined;
    // One request every 300 ms: never idle for IDLE_MS, so only the absolute timeout can end it.
    while (Date.now() - start < ABSOLUTE_MS + 800) {
      last = await c.get('/auth/me');
      statuses.push({ at: Date.now() - start, status: last.status });
      if (last.status === 401) break;
      await sleep(300);
    }
    const aliveUntil = Math.max(...statuses.filter((s) => s.status === 200).map((s) => s.at));
    // Alive well past the idle timeout (the touches extended it)...
    expect(aliveUntil).toBeGreaterThan(IDLE_MS + 1000);
    // ...and dead at the absolute timeout, though it was never idle.
    expect(last?.status).toBe(401);
    const diedAt = statuses[statuses.length - 1].at;
    expect(diedAt).toBeGreaterThanOrEqual(ABSOLUTE_MS - 100);
    expect(diedAt).toBeLessThan(ABSOLUTE_MS + 800);
  });

  it('an expired session cannot be revived by logging out, listing or touching it', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    await sleep(IDLE_MS + 600);
    expect((await c.post('/auth/logout')).status).toBe(401);
    expect((await c.get('/auth/sessions')).status).toBe(401);
    expect((await c.get('/auth/me')).status).toBe(401);
  });

  it('expired rows are pruned from the table; live ones are kept', async () => {
    const expiring = await new ApiClient('session', server.url).signUp();
    const publicId = (await expiring.get('/auth/me')).body.credential.sessionId;
    const count = async (id: string) => (await sql(server.databaseUrl, 'SELECT 1 FROM sessions WHERE public_id = $1', [id])).length;
    expect(await count(publicId)).toBe(1);
    await sleep(IDLE_MS);
    const fresh = await new ApiClient('session', server.url).signUp();
    const freshId = (await fresh.get('/auth/me')).body.credential.sessionId;
    expect(await eventually(async () => (await count(publicId)) === 0, 4000, 200)).toBe(true);
    expect(await count(freshId)).toBe(1);
  });
});

describe('session touch throttling', () => {
  let server: TestServer;
  const THROTTLE_TOUCH_MS = 1500;

  beforeAll(async () => {
    // Idle 30 min (the default), touch at most every 1.5 s.
    server = await startTestServer('session', { SESSION_TOUCH_INTERVAL_MS: String(THROTTLE_TOUCH_MS) });
  });

  it('does not write the expiry on every request: at most once per touch interval', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const created = await rowOf(server, c);
    const loginAt = Date.now();
    for (let i = 0; i < 20; i++) expect((await c.get('/auth/me')).status).toBe(200);
    // Well inside the first touch interval: 20 reads, the row untouched.
    if (Date.now() - loginAt < THROTTLE_TOUCH_MS - 200) expect(await rowOf(server, c)).toEqual(created);

    await sleep(THROTTLE_TOUCH_MS + 200);
    expect((await c.get('/auth/me')).status).toBe(200); // this one is due: it extends the idle expiry
    const touched = await rowOf(server, c);
    expect(touched.last_seen_at.getTime()).toBeGreaterThan(created.last_seen_at.getTime());
    expect(touched.idle_expires_at.getTime()).toBeGreaterThan(created.idle_expires_at.getTime());
    expect(touched.absolute_expires_at).toEqual(created.absolute_expires_at);

    for (let i = 0; i < 20; i++) expect((await c.get('/auth/me')).status).toBe(200);
    expect(await rowOf(server, c)).toEqual(touched);
  });

  it('reports the extended idle expiry in the credential after a touch', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const first = (await c.get('/auth/me')).body.credential;
    await sleep(THROTTLE_TOUCH_MS + 200);
    const second = (await c.get('/auth/me')).body.credential;
    expect(Date.parse(second.idleExpiresAt)).toBeGreaterThan(Date.parse(first.idleExpiresAt));
    expect(second.absoluteExpiresAt).toBe(first.absoluteExpiresAt);
    expect(second.sessionId).toBe(first.sessionId);
  });
});
