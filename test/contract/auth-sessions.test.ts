// Contract: GET /auth/sessions, DELETE /auth/sessions/:id (the user's own sessions / refresh families).
import { PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import {
  type ContractClient,
  client,
  expectCredentialAlive,
  expectCredentialRevoked,
  expectError,
  expectNoContent,
  expectOk,
  isoTime,
  secondDevice,
  signedUp,
} from './helpers';

afterAll(stopAllServers);

interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string | null;
  current: boolean;
}

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(strategy);
  });

  /** Logs the user in again from a device announcing `userAgent`. */
  async function loginWithAgent(of: ContractClient, userAgent: string): Promise<ContractClient> {
    const c = client(server);
    const res = await c.post('/auth/login', { username: of.username, password: PASSWORD }, { headers: { 'user-agent': userAgent } });
    expectOk(res);
    c.username = of.username;
    c.userId = res.body.user.id;
    return c;
  }

  const sessionsOf = async (c: ContractClient): Promise<SessionRow[]> => {
    const res = await c.get('/auth/sessions');
    expectOk(res);
    return res.body.sessions;
  };

  const currentId = async (c: ContractClient): Promise<string> => (await c.get('/auth/me')).body.credential.sessionId;

  describe('GET /auth/sessions', () => {
    it("lists the user's sessions with exactly one current, and their fields", async () => {
      const a = await signedUp(server);
      const b = await loginWithAgent(a, 'ContractPhone/1.0 (test)');
      const res = await a.get('/auth/sessions');
      expectOk(res);
      expect(Object.keys(res.body)).toEqual(['sessions']);
      const sessions: SessionRow[] = res.body.sessions;
      expect(sessions).toHaveLength(2);
      for (const s of sessions) {
        expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastSeenAt', 'userAgent']);
        expect(s).toEqual({
          id: expect.any(String),
          createdAt: isoTime(),
          lastSeenAt: isoTime(),
          expiresAt: isoTime(),
          userAgent: expect.any(String),
          current: expect.any(Boolean),
        });
        expect(Date.parse(s.expiresAt)).toBeGreaterThan(Date.now());
        expect(Date.parse(s.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
      }
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      expect(sessions.find((s) => s.current)?.id).toBe(await currentId(a));
      expect(sessions.find((s) => !s.current)?.id).toBe(await currentId(b));
      expect(sessions.find((s) => !s.current)?.userAgent).toBe('ContractPhone/1.0 (test)');
      // Never the secret: no cookie value or token in the listing.
      for (const cookie of [...a.cookies.values(), ...b.cookies.values()]) expect(res.text).not.toContain(cookie.value);

      // The other device sees the same two, with itself as current.
      const fromB = await sessionsOf(b);
      expect(fromB.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
      expect(fromB.find((s) => s.current)?.id).toBe(await currentId(b));
    });

    it("shows only the caller's own sessions", async () => {
      const a = await signedUp(server);
      const other = await signedUp(server);
      const mine = await sessionsOf(a);
      expect(mine).toHaveLength(1);
      expect(mine[0].current).toBe(true);
      expect(mine.map((s) => s.id)).not.toContain(await currentId(other));
    });

    it('returns 401 unauthorized without a credential', async () => {
      expectError(await client(server).get('/auth/sessions'), 401, 'unauthorized');
    });
  });

  describe('DELETE /auth/sessions/:id', () => {
    it('returns 204 and revokes that one session: the other device dies, the caller lives', async () => {
      const a = await signedUp(server);
      const b = await secondDevice(server, a);
      const bReplay = b.clone();
      const bId = await currentId(b);
      expectNoContent(await a.delete(`/auth/sessions/${encodeURIComponent(bId)}`));
      await expectCredentialRevoked(bReplay);
      expectOk(await a.get('/auth/me'));
      await expectCredentialAlive(a);
      const left = await sessionsOf(a);
      expect(left.map((s) => s.id)).toEqual([await currentId(a)]);
      // Gone means gone: a second DELETE finds nothing.
      expectError(await a.delete(`/auth/sessions/${encodeURIComponent(bId)}`), 404, 'session_not_found');
    });

    it("can revoke the caller's own current session", async () => {
      const a = await signedUp(server);
      const replay = a.clone();
      expectNoContent(await a.delete(`/auth/sessions/${encodeURIComponent(await currentId(a))}`));
      await expectCredentialRevoked(replay);
    });

    it('returns 404 session_not_found for an unknown id', async () => {
      const a = await signedUp(server);
      const wellFormed = 'A'.repeat(22);
      for (const id of [wellFormed, 'nope', '12345', 'x'.repeat(128)]) {
        expectError(await a.delete(`/auth/sessions/${id}`), 404, 'session_not_found');
      }
      expectError(await a.delete(`/auth/sessions/${'x'.repeat(129)}`), 404, 'session_not_found');
      expectError(await a.delete('/auth/sessions/%00'), 404, 'session_not_found');
      expect(await sessionsOf(a)).toHaveLength(1);
    });

    it("returns 404 session_not_found for another user's session id, which stays alive", async () => {
      const attacker = await signedUp(server);
      const victim = await signedUp(server);
      const victimId = await currentId(victim);
      expectError(await attacker.delete(`/auth/sessions/${encodeURIComponent(victimId)}`), 404, 'session_not_found');
      expectOk(await victim.get('/auth/me'));
      await expectCredentialAlive(victim);
      expect((await sessionsOf(victim)).map((s) => s.id)).toContain(victimId);
    });

    it('returns 401 unauthorized without a credential', async () => {
      const a = await signedUp(server);
      const res = await client(server).delete(`/auth/sessions/${encodeURIComponent(await currentId(a))}`);
      expectError(res, 401, 'unauthorized');
      expectOk(await a.get('/auth/me'));
    });

    it('returns 405 for other methods on a session', async () => {
      const a = await signedUp(server);
      expectError(await a.get(`/auth/sessions/${encodeURIComponent(await currentId(a))}`), 405, 'method_not_allowed');
    });
  });
});
