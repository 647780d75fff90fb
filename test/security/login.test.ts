// Login and accounts (SECURITY.md "Login and accounts"): no user enumeration (same status, body and
// headers for unknown user, wrong password and disabled user), throttling per account and per client
// address counted in Postgres (so across instances), X-Forwarded-For trusted only behind a configured
// proxy, and whole-password verification up to 1024 characters.
import { type ApiResponse, ApiClient, PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const WRONG = 'not the right password';

function expectInvalidCredentials(res: ApiResponse): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'invalid_credentials' });
  expect(res.body.accessToken).toBeUndefined();
}

function expectThrottled(res: ApiResponse): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 429, code: 'too_many_requests' });
  expect(res.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  expect(res.body.accessToken).toBeUndefined();
  expect(res.setCookies.filter((c) => !/max-age=0|expires=thu, 01 jan 1970/i.test(c))).toEqual([]);
}

/** Headers that must match between two failure responses (all but the per-request ones). */
function comparableHeaders(res: ApiResponse): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!['date', 'x-request-id', 'keep-alive', 'connection'].includes(name)) out[name] = value;
  });
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe.each(STRATEGIES)('%s server: POST /auth/login', (strategy) => {
  let server: TestServer;
  const login = (username: string, password: string, headers: Record<string, string> = {}, url = server.url) =>
    new ApiClient(strategy, url).post('/auth/login', { username, password }, { headers });

  beforeAll(async () => {
    server = await startTestServer(strategy);
  });

  describe('no account enumeration', () => {
    it('unknown user, wrong password and disabled user: same status, body and headers', async () => {
      const known = await new ApiClient(strategy, server.url).signUp();
      const disabled = await new ApiClient(strategy, server.url).signUp();
      const admin = new ApiClient(strategy, server.url);
      expect((await admin.login('admin', PASSWORD)).status).toBe(200);
      expect((await admin.post(`/admin/users/${disabled.userId}/disable`)).status).toBe(204);

      const unknown = await login(uniqueUsername('ghost'), PASSWORD);
      const wrong = await login(known.username!, WRONG);
      const off = await login(disabled.username!, PASSWORD); // the RIGHT password of a disabled user
      for (const res of [unknown, wrong, off]) expectInvalidCredentials(res);
      expect(wrong.body).toEqual(unknown.body);
      expect(off.body).toEqual(unknown.body);
      expect(comparableHeaders(wrong)).toEqual(comparableHeaders(unknown));
      expect(comparableHeaders(off)).toEqual(comparableHeaders(unknown));
      expect(wrong.setCookies).toEqual(unknown.setCookies);
      expect(off.setCookies).toEqual(unknown.setCookies);
      // The account that exists still logs in.
      expect((await known.login()).status).toBe(200);
    });

    it('a username differing only in case is the same account (no shadow accounts)', async () => {
      const user = await new ApiClient(strategy, server.url).signUp(uniqueUsername('Case'));
      expect((await login(user.username!.toUpperCase(), PASSWORD)).status).toBe(200);
      const dup = await new ApiClient(strategy, server.url).register(user.username!.toLowerCase());
      expect({ status: dup.status, code: dup.body?.error?.code }).toEqual({ status: 409, code: 'username_taken' });
    });
  });

  describe('per-account throttling', () => {
    it('10 failures lock the account: the 11th attempt gets 429 + Retry-After even with the right password', async () => {
      const user = await new ApiClient(strategy, server.url).signUp();
      const other = await new ApiClient(strategy, server.url).signUp();
      for (let i = 1; i <= 10; i++) expectInvalidCredentials(await login(user.username!, `${WRONG} ${i}`));
      expectThrottled(await login(user.username!, PASSWORD));
      expectThrottled(await login(user.username!, WRONG));
      // Other accounts from the same address are not locked (10 < the per-client limit).
      expect((await login(other.username!, PASSWORD)).status).toBe(200);
      // A credential issued before the lockout keeps working: throttling never logs anyone out.
      expect((await user.get('/auth/me')).status).toBe(200);
    });

    it('the counter ignores username case (alternating case does not bypass it)', async () => {
      const user = await new ApiClient(strategy, server.url).signUp(uniqueUsername('mixed'));
      for (let i = 0; i < 10; i++) {
        const name = i % 2 ? user.username!.toUpperCase() : user.username!.toLowerCase();
        expectInvalidCredentials(await login(name, WRONG));
      }
      expectThrottled(await login(user.username!, PASSWORD));
    });

    it('a success before the limit resets the account counter', async () => {
      const user = await new ApiClient(strategy, server.url).signUp();
      for (let i = 0; i < 9; i++) expectInvalidCredentials(await login(user.username!, WRONG));
      expect((await login(user.username!, PASSWORD)).status).toBe(200);
      for (let i = 0; i < 9; i++) expectInvalidCredentials(await login(user.username!, WRONG));
      expect((await login(user.username!, PASSWORD)).status).toBe(200);
    });
  });

  describe('password length and whole-password verification', () => {
    it('a 1024-character password is accepted at register and login', async () => {
      const password = `${'x'.repeat(1000)}abcdefghijklmnopqrstuvwx`; // 1024
      const client = new ApiClient(strategy, server.url);
      const username = uniqueUsername('long');
      expect((await client.register(username, password)).status).toBe(201);
      expect((await client.login(username, password)).status).toBe(200);
      expect((await client.get('/auth/me')).status).toBe(200);
    });

    it('two passwords differing only after byte 72 are different (no bcrypt truncation)', async () => {
      const prefix = 'p'.repeat(72);
      const client = new ApiClient(strategy, server.url);
      const username = uniqueUsername('trunc');
      expect((await client.register(username, `${prefix}-right`)).status).toBe(201);
      expectInvalidCredentials(await login(username, `${prefix}-wrong`));
      expectInvalidCredentials(await login(username, prefix));
      expect((await login(username, `${prefix}-right`)).status).toBe(200);
    });

    it('two 1024-character passwords differing only in the last character are different', async () => {
      const prefix = 'q'.repeat(1023);
      const username = uniqueUsername('last');
      expect((await new ApiClient(strategy, server.url).register(username, `${prefix}A`)).status).toBe(201);
      expectInvalidCredentials(await login(username, `${prefix}B`));
      expect((await login(username, `${prefix}A`)).status).toBe(200);
    });

    it('passwords over 1024 characters: 400 validation_failed at register, login and password change', async () => {
      const tooLong = 'y'.repeat(1025);
      const reg = await new ApiClient(strategy, server.url).register(uniqueUsername('toolong'), tooLong);
      expect({ status: reg.status, code: reg.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      const user = await new ApiClient(strategy, server.url).signUp();
      const res = await login(user.username!, tooLong);
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      const change = await user.post('/auth/password', { currentPassword: PASSWORD, newPassword: tooLong });
      expect({ status: change.status, code: change.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect((await login(user.username!, PASSWORD)).status).toBe(200);
    });

    it('absurd lengths are refused cheaply: 10 000-character passwords, 20 at once, all 400 within 2 s', async () => {
      const start = Date.now();
      const all = await Promise.all(Array.from({ length: 20 }, () => login('admin', 'z'.repeat(10_000))));
      for (const res of all) expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect(Date.now() - start).toBeLessThan(2000);
    });

    it('passwords shorter than 8 characters are refused at register', async () => {
      const res = await new ApiClient(strategy, server.url).register(uniqueUsername('short'), 'seven77');
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
    });
  });
});

describe.each(STRATEGIES)('%s server: per-client-address throttling (LOGIN_CLIENT_MAX_FAILURES=5)', (strategy) => {
  const login = (url: string, username: string, password: string, headers: Record<string, string> = {}) =>
    new ApiClient(strategy, url).post('/auth/login', { username, password }, { headers });

  it('5 failures on 5 different usernames from one address: the next login from it gets 429, even a valid one', async () => {
    const server = await startTestServer(strategy, { LOGIN_CLIENT_MAX_FAILURES: '5' });
    const user = await new ApiClient(strategy, server.url).signUp();
    for (let i = 0; i < 5; i++) expectInvalidCredentials(await login(server.url, uniqueUsername('spray'), WRONG));
    expectThrottled(await login(server.url, user.username!, PASSWORD));
    expect((await user.get('/auth/me')).status).toBe(200);
  });

  it('without TRUST_PROXY, a spoofed X-Forwarded-For does not reset the per-client counter', async () => {
    const server = await startTestServer(strategy, { LOGIN_CLIENT_MAX_FAILURES: '5' });
    const user = await new ApiClient(strategy, server.url).signUp();
    for (let i = 0; i < 5; i++) {
      const xff = `203.0.113.${i + 1}`;
      expectInvalidCredentials(await login(server.url, uniqueUsername('spoof'), WRONG, { 'x-forwarded-for': xff, 'x-real-ip': xff }));
    }
    expectThrottled(await login(server.url, user.username!, PASSWORD, { 'x-forwarded-for': '198.51.100.77', 'x-real-ip': '198.51.100.77' }));
    expectThrottled(await login(server.url, user.username!, PASSWORD, { 'x-forwarded-for': '198.51.100.78, 10.0.0.1' }));
    expect((await user.get('/auth/me')).status).toBe(200);
  });

  it('with TRUST_PROXY=1, X-Forwarded-For (from our proxy) names the client: other clients are not locked', async () => {
    const server = await startTestServer(strategy, { LOGIN_CLIENT_MAX_FAILURES: '5', TRUST_PROXY: '1' });
    const user = await new ApiClient(strategy, server.url).signUp();
    const attacker = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 5; i++) expectInvalidCredentials(await login(server.url, uniqueUsername('proxied'), WRONG, attacker));
    expectThrottled(await login(server.url, user.username!, PASSWORD, attacker));
    // Another client behind the same proxy logs in.
    expect((await login(server.url, user.username!, PASSWORD, { 'x-forwarded-for': '198.51.100.10' })).status).toBe(200);
    // The proxy appends the real address: a client-written first entry does not unlock the attacker.
    expectThrottled(await login(server.url, user.username!, PASSWORD, { 'x-forwarded-for': '198.51.100.11, 203.0.113.9' }));
  });
});

describe.each(STRATEGIES)('%s server: throttling across instances (one database)', (strategy) => {
  it('10 failures on instance A lock the account on instance B (429 + Retry-After, right password)', async () => {
    // Explicit ids: the default id is checked in headers.test.ts.
    const a = await startTestServer(strategy, { INSTANCE_ID: `${strategy}-a` });
    const b = await startTestServer(strategy, { INSTANCE_ID: `${strategy}-b` }, a.databaseUrl);
    const user = await new ApiClient(strategy, a.url).signUp();
    for (let i = 0; i < 10; i++) {
      const res = await new ApiClient(strategy, a.url).post('/auth/login', { username: user.username, password: WRONG });
      expectInvalidCredentials(res);
      expect(res.headers.get('x-instance-id')).toBe(a.instanceId);
    }
    const onB = await new ApiClient(strategy, b.url).post('/auth/login', { username: user.username, password: PASSWORD });
    expect(onB.headers.get('x-instance-id')).toBe(b.instanceId);
    expectThrottled(onB);
  });

  it('failures split across instances add up (5 on A + 5 on B lock the account on both)', async () => {
    const a = await startTestServer(strategy);
    const b = await startTestServer(strategy, {}, a.databaseUrl);
    const user = await new ApiClient(strategy, a.url).signUp();
    for (let i = 0; i < 10; i++) {
      expectInvalidCredentials(await new ApiClient(strategy, i % 2 ? a.url : b.url).post('/auth/login', { username: user.username, password: WRONG }));
    }
    expectThrottled(await new ApiClient(strategy, a.url).post('/auth/login', { username: user.username, password: PASSWORD }));
    expectThrottled(await new ApiClient(strategy, b.url).post('/auth/login', { username: user.username, password: PASSWORD }));
  });
});

describe.each(STRATEGIES)('%s server: login timing does not reveal which usernames exist (scrypt 2^14)', (strategy) => {
  it('unknown usernames cost about as much as wrong passwords (a dummy hash is verified)', async () => {
    // A lockout would change the answer, so the account may fail often here: 15 interleaved pairs give
    // medians that one stall of a shared machine (seen: a single 265 ms answer among ~50 ms ones) cannot move.
    const server = await startTestServer(strategy, { SCRYPT_LOG_N: '14', LOGIN_MAX_FAILURES: '100' });
    const user = await new ApiClient(strategy, server.url).signUp();
    const time = async (username: string) => {
      const start = performance.now();
      expectInvalidCredentials(await new ApiClient(strategy, server.url).post('/auth/login', { username, password: WRONG }));
      return performance.now() - start;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i++) {
      known.push(await time(user.username!));
      unknown.push(await time(uniqueUsername('nobody')));
    }
    // Without the dummy hash an unknown user answers in ~1-2 ms against ~30+ ms for scrypt 2^14.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
  }, 60_000);
});
