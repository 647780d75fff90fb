// Issue 8, defect 2: the login throttle must hold under concurrency. On the servers as first built the
// failure counter was read before hashing and written after, so 60 wrong passwords in flight at once
// were all checked against a limit of 10. Expected: each attempt is reserved atomically before the
// hash runs, so at most the limit of guesses is ever checked (counted here as 401 / 403 answers) and
// every other attempt gets 429 too_many_requests + Retry-After.
// Each test speaks from its own client address (TRUST_PROXY=1, X-Forwarded-For) so that the
// per-client counter of one test does not leak into the next.
import { ApiClient, type ApiResponse, PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';
import { shape, tally } from '../support/attack';

afterAll(stopAllServers);

const BURST = 60;
const ACCOUNT_LIMIT = 10;
const CLIENT_BURST = 200;
const CLIENT_LIMIT = 100;

let nextAddress = 1;
/** A fresh client address from TEST-NET-3 (RFC 5737) for each test. */
const freshAddress = () => ({ 'X-Forwarded-For': `203.0.113.${nextAddress++}` });

/** Checked attempts (expectedStatus) at most `limit` and at least one; everything else 429 + Retry-After. */
function expectBounded(answers: ApiResponse[], checked: { status: number; code: string }, limit: number): void {
  const counts = tally(answers.map((r) => r.status));
  const checkedCount = counts[checked.status] ?? 0;
  // One object, so a failure shows the whole tally.
  expect({ atMostLimit: checkedCount <= limit, atLeastOne: checkedCount >= 1, counts }).toEqual({ atMostLimit: true, atLeastOne: true, counts });
  for (const res of answers.filter((r) => r.status !== checked.status)) {
    expect(shape(res)).toEqual({ status: 429, code: 'too_many_requests', retryAfter: true });
  }
  for (const res of answers.filter((r) => r.status === checked.status)) expect(res.body?.error?.code).toBe(checked.code);
}

describe.each(STRATEGIES)('%s server', (strategy) => {
  describe(`per account (LOGIN_MAX_FAILURES=${ACCOUNT_LIMIT})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(strategy, { TRUST_PROXY: '1', LOGIN_MAX_FAILURES: String(ACCOUNT_LIMIT), LOGIN_CLIENT_MAX_FAILURES: '100000' });
    });

    it(`${BURST} concurrent wrong passwords for one account: at most ${ACCOUNT_LIMIT} are checked, the rest 429`, async () => {
      const victim = await new ApiClient(strategy, server.url).signUp();
      const headers = freshAddress();
      const answers = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          new ApiClient(strategy, server.url).post('/auth/login', { username: victim.username, password: `wrong password ${i}` }, { headers }),
        ),
      );
      expectBounded(answers, { status: 401, code: 'invalid_credentials' }, ACCOUNT_LIMIT);
      // And the account is locked now, for the right password too.
      const right = await new ApiClient(strategy, server.url).post('/auth/login', { username: victim.username, password: PASSWORD }, { headers });
      expect(shape(right)).toEqual({ status: 429, code: 'too_many_requests', retryAfter: true });
    });

    it(`POST /auth/password: ${BURST} concurrent wrong current passwords: at most ${ACCOUNT_LIMIT} are checked, the rest 429`, async () => {
      const headers = freshAddress();
      const victim = new ApiClient(strategy, server.url);
      expect((await victim.register()).status).toBe(201);
      expect((await victim.login(undefined, PASSWORD)).status).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          victim.post('/auth/password', { currentPassword: `wrong password ${i}`, newPassword: `a new password ${i}` }, { headers }),
        ),
      );
      expectBounded(answers, { status: 403, code: 'current_password_incorrect' }, ACCOUNT_LIMIT);
      expect(answers.some((r) => r.status === 200)).toBe(false);
    });
  });

  describe(`per client address (LOGIN_CLIENT_MAX_FAILURES=${CLIENT_LIMIT})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(strategy, { TRUST_PROXY: '1', LOGIN_MAX_FAILURES: '100', LOGIN_CLIENT_MAX_FAILURES: String(CLIENT_LIMIT) });
    });

    it(`${CLIENT_BURST} concurrent wrong logins from one client (different usernames): at most ${CLIENT_LIMIT} are checked`, async () => {
      const headers = freshAddress();
      const answers = await Promise.all(
        Array.from({ length: CLIENT_BURST }, () =>
          new ApiClient(strategy, server.url).post('/auth/login', { username: uniqueUsername('spray'), password: 'Winter2026!' }, { headers }),
        ),
      );
      expectBounded(answers, { status: 401, code: 'invalid_credentials' }, CLIENT_LIMIT);
    });
  });
});
