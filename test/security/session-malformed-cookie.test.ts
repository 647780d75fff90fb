// Security: hostile Cookie headers (SECURITY.md "Oversized or malformed cookies": 20 KB, quotes,
// NUL, duplicated names, non-ASCII -> 400/401/431, never 500). Sent over real HTTP, some as raw
// bytes that fetch refuses to build. After every attack the victim's valid credential still works.
import { randomBytes } from 'node:crypto';
import { ApiClient, PASSWORD, rawHttp, startTestServer, stopAllServers, type TestServer } from '../support/harness';

afterAll(stopAllServers);

describe('session cookie parsing (malformed and hostile cookies)', () => {
  let server: TestServer;
  let victim: ApiClient;
  let sid: string;
  const other = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    server = await startTestServer('session', { LOG_REQUESTS: '1' });
    victim = await new ApiClient('session', server.url).signUp();
    sid = victim.cookies.get('sid')!.value;
  });

  afterEach(async () => {
    const res = await victim.get('/auth/me');
    expect(res.status).toBe(200);
  });

  async function withCookie(cookie: string, path = '/auth/me'): Promise<number> {
    return (await new ApiClient('session', server.url).get(path, { headers: { cookie } })).status;
  }

  /** A GET with exactly these header lines, as raw bytes; the status code of the answer. */
  async function raw(headerLines: (string | Buffer)[], path = '/auth/me'): Promise<number> {
    const { host } = new URL(server.url);
    const request = Buffer.concat([
      Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n`),
      ...headerLines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\r\n')])),
      Buffer.from('\r\n'),
    ]);
    return (await rawHttp(server.url, request)).status;
  }

  it.each([
    ['an empty value', () => 'sid='],
    ['no value at all', () => 'sid'],
    ['the valid id in quotes', () => `sid="${sid}"`],
    ['the valid id twice (duplicated name)', () => `sid=${sid}; sid=${sid}`],
    ['the valid id and another (duplicated name)', () => `sid=${other}; sid=${sid}`],
    ['the valid id plus one character', () => `sid=${sid}A`],
    ['the valid id minus one character', () => `sid=${sid.slice(0, -1)}`],
    ['the valid id percent-encoded', () => `sid=${[...sid].map((ch) => `%${ch.charCodeAt(0).toString(16)}`).join('')}`],
    ['standard base64 with padding', () => `sid=${Buffer.from(sid, 'base64url').toString('base64')}`],
    ['SQL', () => "sid=' OR '1'='1"],
    ['a path', () => 'sid=../../../../etc/passwd'],
    ['a 4 KB value', () => `sid=${'A'.repeat(4096)}`],
    ['500 cookies', () => Array.from({ length: 500 }, (_, i) => `c${i}=${i}`).join('; ')],
    ['only separators', () => ';;;; ; = ;='],
    ['prototype names', () => `__proto__=${sid}; constructor=${sid}; toString=1`],
    ['the name in another case', () => `SID=${sid}`],
    ['a space inside the name', () => `s id=${sid}`],
  ])('gives 401 (never 500) for %s', async (_what, cookie) => {
    expect(await withCookie(cookie())).toBe(401);
  });

  it('gives 431 (never 500) for a 20 KB cookie header, and the server keeps serving', async () => {
    const status = await raw([`Cookie: sid=${'A'.repeat(20 * 1024)}`]);
    expect(status).toBe(431);
    expect(await withCookie(`sid=${sid}`)).toBe(200);
  });

  it('gives 400 (never 500) for a NUL byte in the cookie', async () => {
    expect(await raw([Buffer.concat([Buffer.from(`Cookie: sid=${sid.slice(0, 20)}`), Buffer.from([0]), Buffer.from(sid.slice(21))])])).toBe(400);
  });

  it('gives 401 (never 500) for non-ASCII bytes in the cookie', async () => {
    const latin1 = Buffer.concat([Buffer.from(`Cookie: sid=${sid.slice(0, 40)}`), Buffer.from([0xe9, 0xff, 0xc3])]);
    const status = await raw([latin1]);
    expect([400, 401]).toContain(status);
    const utf8 = Buffer.from(`Cookie: sid=${sid.slice(0, 41)}é`, 'utf8');
    expect([400, 401]).toContain(await raw([utf8]));
  });

  it('gives 401 when the id is repeated across two Cookie headers', async () => {
    expect(await raw([`Cookie: sid=${sid}`, `Cookie: sid=${other}`])).toBe(401);
    expect(await raw([`Cookie: sid=${sid}`, `Cookie: sid=${sid}`])).toBe(401);
  });

  it('still accepts the valid id among other cookies and with optional whitespace', async () => {
    expect(await withCookie(`theme=dark; sid=${sid}; lang=en`)).toBe(200);
    expect(await withCookie(`theme=dark;sid=${sid};lang=en`)).toBe(200);
    expect(await raw([`Cookie: a=1`, `Cookie: sid=${sid}`])).toBe(200);
  });

  it('never gives 500 for hostile cookies on public routes, logout or login either', async () => {
    const hostile = [`sid="${sid}"`, `sid=${sid}; sid=${other}`, `sid=${'x'.repeat(4000)}`, `sid=${other}`];
    for (const cookie of hostile) {
      expect(await withCookie(cookie, '/products')).toBe(200);
      expect(await withCookie(cookie, '/healthz')).toBe(200);
      const anon = new ApiClient('session', server.url);
      expect((await anon.post('/auth/logout', undefined, { headers: { cookie } })).status).toBe(401);
      const login = await anon.post('/auth/login', { username: victim.username, password: PASSWORD }, { headers: { cookie } });
      expect(login.status).toBe(200);
      // Login with a hostile cookie issues a fresh id (never the one sent).
      const issued = /^sid=([^;]*)/.exec(login.setCookies[0] ?? '')?.[1];
      expect(issued).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(cookie).not.toContain(issued);
    }
  });

  it('never writes a session id to the server log', async () => {
    const logs = server.logs.join('\n');
    expect(logs).toContain('"msg":"request"');
    expect(logs).not.toContain(sid);
    expect(logs).not.toContain(victim.cookies.get('sid')!.value);
  });
});
