// Security: the session identifier itself. Entropy and uniqueness (ASVS 5.0 7.2.3), stored only as a
// SHA-256 (a leaked table yields no live session), strict mode (an id the server did not issue is
// never adopted) and rotation on login (session fixation, ASVS 5.0 7.2.4). Black box over real
// HTTP, plus gray-box reads of the sessions table; after every attack a valid credential still works.
import { createHash, randomBytes } from 'node:crypto';
import { ApiClient, PASSWORD, sql, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const sidOf = (c: ApiClient) => c.cookies.get('sid')?.value;

describe('session id', () => {
  let server: TestServer;
  let victim: ApiClient;

  beforeAll(async () => {
    server = await startTestServer('session');
    victim = await new ApiClient('session', server.url).signUp();
  });

  afterEach(async () => {
    expect((await victim.get('/auth/me')).status).toBe(200);
  });

  it('has >= 256 random bits and is unique across ~200 logins', async () => {
    const username = uniqueUsername('entropy');
    expect((await new ApiClient('session', server.url).register(username)).status).toBe(201);
    const ids: string[] = [];
    for (let batch = 0; batch < 25; batch++) {
      const logins = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const c = new ApiClient('session', server.url);
          expect((await c.login(username)).status).toBe(200);
          return sidOf(c)!;
        }),
      );
      ids.push(...logins);
    }
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    const decoded = ids.map((id) => Buffer.from(id, 'base64url'));
    for (const [i, bytes] of decoded.entries()) {
      expect(ids[i]).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(bytes.length).toBeGreaterThanOrEqual(32);
    }
    // Not a counter, clock or UUID in disguise: no two ids share a long prefix (random 43-char ids
    // share >= 4 leading characters with probability ~20,000 pairs / 64^4 = 0.1%)...
    let longestCommonPrefix = 0;
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b < ids.length; b++) {
        let n = 0;
        while (n < ids[a].length && ids[a][n] === ids[b][n]) n++;
        longestCommonPrefix = Math.max(longestCommonPrefix, n);
      }
    }
    expect(longestCommonPrefix).toBeLessThan(5);
    // ...and the bits are balanced: 200 x 256 bits, expected half ones, sd ~113.
    let ones = 0;
    for (const bytes of decoded) for (const byte of bytes.subarray(0, 32)) for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1;
    expect(Math.abs(ones - 25_600)).toBeLessThan(1000);
  });

  it('is stored only as a SHA-256: the cookie value appears nowhere in the sessions table', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const sid = sidOf(c)!;
    const bytes = Buffer.from(sid, 'base64url');
    const table = (await sql<{ row: string }>(server.databaseUrl, 'SELECT s::text AS row FROM sessions s')).map((r) => r.row).join('\n');
    expect(table.length).toBeGreaterThan(0);
    for (const form of [sid, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')]) {
      expect(table).not.toContain(form);
    }
    // What is stored is its SHA-256, and exactly one row has it.
    const digest = createHash('sha256').update(sid).digest('hex');
    const rows = await sql(server.databaseUrl, "SELECT 1 FROM sessions WHERE encode(id_hash, 'hex') = $1", [digest]);
    expect(rows).toHaveLength(1);
    // Knowing the stored hash does not help: presenting it as a cookie is just an unknown id.
    const hashAsCookie = Buffer.from(digest, 'hex').toString('base64url').slice(0, 43);
    expect((await new ApiClient('session', server.url).get('/auth/me', { headers: { cookie: `sid=${hashAsCookie}` } })).status).toBe(401);
  });

  it('strict mode: a well-formed id the server did not issue gives 401 and is never adopted', async () => {
    const forged = randomBytes(32).toString('base64url');
    const c = new ApiClient('session', server.url);
    c.cookies.set('sid', { value: forged, path: '/' });
    expect((await c.get('/auth/me')).status).toBe(401);
    expect((await c.get('/cart')).status).toBe(401);

    // Logging in while presenting it yields a different id; the forged one stays unknown.
    const login = await c.login(victim.username!, PASSWORD);
    expect(login.status).toBe(200);
    expect(sidOf(c)).toBeDefined();
    expect(sidOf(c)).not.toBe(forged);
    expect((await c.get('/auth/me')).status).toBe(200);
    const replay = new ApiClient('session', server.url);
    replay.cookies.set('sid', { value: forged, path: '/' });
    expect((await replay.get('/auth/me')).status).toBe(401);
    const hash = createHash('sha256').update(forged).digest('hex');
    expect(await sql(server.databaseUrl, "SELECT 1 FROM sessions WHERE encode(id_hash, 'hex') = $1", [hash])).toHaveLength(0);
  });

  it('session fixation: an attacker-planted (valid) id is replaced at login and dies', async () => {
    // The attacker logs in to their own account and plants that id in the victim's browser.
    const attacker = await new ApiClient('session', server.url).signUp();
    const planted = sidOf(attacker)!;
    const browser = new ApiClient('session', server.url);
    browser.cookies.set('sid', { value: planted, path: '/' });

    const login = await browser.login(victim.username!, PASSWORD);
    expect(login.status).toBe(200);
    const issued = sidOf(browser)!;
    expect(issued).not.toBe(planted);
    expect((await browser.get('/auth/me')).body.user.id).toBe(victim.userId);

    // The planted id is dead: the attacker cannot ride the victim's login with it.
    expect((await attacker.get('/auth/me')).status).toBe(401);
  });

  it('rotates on every login: the id sent with a login dies, the new one works', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const first = sidOf(c)!;
    const old = c.clone();
    expect((await c.login()).status).toBe(200);
    expect(sidOf(c)).not.toBe(first);
    expect((await c.get('/auth/me')).status).toBe(200);
    expect((await old.get('/auth/me')).status).toBe(401);
  });

  it('rotates on password change: the old id dies, the caller gets a new one', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const old = c.clone();
    const res = await c.post('/auth/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` });
    expect(res.status).toBe(200);
    expect(sidOf(c)).not.toBe(sidOf(old));
    expect((await c.get('/auth/me')).status).toBe(200);
    expect((await old.get('/auth/me')).status).toBe(401);
  });

  it('a failed login does not issue or rotate anything', async () => {
    const c = await new ApiClient('session', server.url).signUp();
    const before = sidOf(c);
    const res = await c.post('/auth/login', { username: c.username, password: 'wrong password!' });
    expect(res.status).toBe(401);
    expect(res.setCookies).toEqual([]);
    expect(sidOf(c)).toBe(before);
    expect((await c.get('/auth/me')).status).toBe(200);
  });
});
