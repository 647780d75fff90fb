// Issue 8, defect 4: one canonical username for register, login, throttle and lookup. On the servers
// as first built the throttle key used JavaScript toLowerCase() and the lookup Postgres lower(); they
// disagree on U+0130 (LATIN CAPITAL LETTER I WITH DOT ABOVE: JS gives "i" + U+0307, Postgres "i"),
// so a locked account logged in under that spelling. Usernames are ASCII-only at registration, so
// no spelling outside ASCII may reach a locked account, and lone surrogates (which JSON.parse keeps
// and UTF-8 encoding turns into U+FFFD) are refused rather than collapsed.
import { ApiClient, PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { shape } from '../support/attack';

afterAll(stopAllServers);

const LIMIT = 10;
let seq = 0;
/** A fresh lower-case ASCII name starting with "ilona" (the İ spelling replaces its first letter). */
const ilona = () => `ilona${process.pid}x${Date.now().toString(36)}x${++seq}`;

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  const login = (username: string, password: string) => new ApiClient(strategy, server.url).post('/auth/login', { username, password });

  beforeAll(async () => {
    server = await startTestServer(strategy, { LOGIN_MAX_FAILURES: String(LIMIT), LOGIN_CLIENT_MAX_FAILURES: '100000' });
  });

  async function lockedAccount(): Promise<string> {
    const name = ilona();
    expect((await new ApiClient(strategy, server.url).register(name)).status).toBe(201);
    for (let i = 0; i < LIMIT; i++) expect((await login(name, `wrong password ${i}`)).status).toBe(401);
    expect(shape(await login(name, PASSWORD))).toEqual({ status: 429, code: 'too_many_requests', retryAfter: true });
    return name;
  }

  it('a locked account stays locked under the U+0130 spelling (İlona...): 401 or 429, never 200', async () => {
    const name = await lockedAccount();
    for (const spelling of [`\u0130${name.slice(1)}`, `I\u0307${name.slice(1)}`, name.replace(/i/g, '\u0130')]) {
      const res = await login(spelling, PASSWORD);
      expect({ spelling, refused: [401, 429].includes(res.status), status: res.status }).toEqual({ spelling, refused: true, status: res.status });
      expect(res.body?.accessToken).toBeUndefined();
    }
  });

  it('a locked account stays locked under an upper-case ASCII spelling: 429', async () => {
    const name = await lockedAccount();
    for (const spelling of [name.toUpperCase(), `I${name.slice(1)}`]) {
      expect(shape(await login(spelling, PASSWORD))).toEqual({ status: 429, code: 'too_many_requests', retryAfter: true });
    }
  });

  describe('lone surrogates (sent as raw JSON escapes): 400 validation_failed', () => {
    const cases = [
      { field: 'username', route: '/auth/register', json: (n: string) => `{"username":"${n}\\ud800","password":"${PASSWORD}"}` },
      { field: 'password', route: '/auth/register', json: (n: string) => `{"username":"${n}","password":"${PASSWORD}\\ud800"}` },
      { field: 'username', route: '/auth/login', json: (n: string) => `{"username":"${n}\\ud800","password":"${PASSWORD}"}` },
      { field: 'password', route: '/auth/login', json: (n: string) => `{"username":"${n}","password":"${PASSWORD}\\udfff"}` },
    ];
    it.each(cases)('$route with a lone surrogate in $field', async ({ route, json }) => {
      const res = await new ApiClient(strategy, server.url).post(route, undefined, {
        rawBody: json(ilona()),
        headers: { 'content-type': 'application/json' },
      });
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
    });
  });
});
