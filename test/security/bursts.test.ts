// Issue 8, item 9 (found while attacking): bursts of 50 identical requests at the operations that
// change security state, where a check-then-act race would show: the same refresh token, logout,
// revoking one session, registering one name. Expected: at most one winner where there can be only
// one, every other answer a clean 4xx, never a 5xx, and the state afterwards what one request would
// have left.
import { ApiClient, type ApiResponse, STRATEGIES, startTestServer, stopAllServers, type TestServer, uniqueUsername } from '../support/harness';
import { tally } from '../support/attack';

afterAll(stopAllServers);

const BURST = 50;
const label = (r: ApiResponse) => `${r.status} ${r.body?.error?.code ?? ''}`.trim();

/** Every answer's status is one of `allowed`; the tally is in the failure message. */
function expectOnly(answers: ApiResponse[], allowed: number[]): Record<string, number> {
  const counts = tally(answers.map(label));
  expect({ counts, onlyAllowed: answers.every((r) => allowed.includes(r.status)) }).toEqual({ counts, onlyAllowed: true });
  return counts;
}

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(strategy);
  });

  it(`${BURST} concurrent registrations of one name: exactly one 201, the rest 409 username_taken`, async () => {
    const name = uniqueUsername('race');
    const answers = await Promise.all(Array.from({ length: BURST }, () => new ApiClient(strategy, server.url).register(name)));
    const counts = expectOnly(answers, [201, 409, 429, 503]);
    expect(counts['201']).toBe(1);
  });

  it(`${BURST} concurrent logouts with one credential: 204 or 401, and the credential is dead afterwards`, async () => {
    const user = await new ApiClient(strategy, server.url).signUp();
    const answers = await Promise.all(Array.from({ length: BURST }, () => user.clone().post('/auth/logout')));
    expectOnly(answers, [204, 401]);
    if (strategy === 'session') expect((await user.get('/auth/me')).status).toBe(401);
    else expect((await user.post('/auth/refresh')).status).toBe(401);
  });

  it(`${BURST} concurrent DELETE /auth/sessions/:id of one session: one 204, the rest 404/401`, async () => {
    const user = await new ApiClient(strategy, server.url).signUp();
    const other = await new ApiClient(strategy, server.url).login(user.username!);
    expect(other.status).toBe(200);
    const sessions = (await user.get('/auth/sessions')).body.sessions as { id: string; current: boolean }[];
    const target = sessions.find((s) => !s.current)!;
    const answers = await Promise.all(Array.from({ length: BURST }, () => user.clone().delete(`/auth/sessions/${encodeURIComponent(target.id)}`)));
    const counts = expectOnly(answers, [204, 404]);
    expect(counts['204']).toBe(1);
    const left = (await user.get('/auth/sessions')).body.sessions as { id: string }[];
    expect(left.map((s) => s.id)).not.toContain(target.id);
  });

  if (strategy === 'jwt') {
    it(`${BURST} concurrent refreshes with one refresh token: at most one rotation, the rest 401/429, never 5xx`, async () => {
      const user = await new ApiClient(strategy, server.url).signUp();
      const answers = await Promise.all(Array.from({ length: BURST }, () => user.clone().post('/auth/refresh')));
      const counts = expectOnly(answers, [200, 401, 429]);
      expect(counts['200'] ?? 0).toBeLessThanOrEqual(1);
      // Concurrent use of one token is a replay: the whole family is revoked (README), winner included.
      const winner = answers.find((r) => r.status === 200);
      if (winner) {
        const next = user.clone();
        next.accessToken = winner.body.accessToken;
        for (const line of winner.setCookies)
          next.cookies.set(line.split('=')[0], { value: line.split(';')[0].split('=').slice(1).join('='), path: '/auth/refresh' });
        expect((await next.post('/auth/refresh')).status).toBe(401);
      }
    });
  }
});
