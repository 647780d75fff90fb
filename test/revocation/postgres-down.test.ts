// Postgres goes away entirely (PRODUCT.md failure rule, SECURITY.md "Reliability expectations"): with
// the LISTEN connection gone too, the memory of session-cached and jwt-push is no longer trusted, so
// every authenticated request needs Postgres and gets 503 database_unavailable + Retry-After, never
// an "allow" from a stale cache (nor a 401 that would log the user out). jwt-denylist likewise. When
// Postgres is back, service and the in-memory path resume without a restart.
// This file stops its OWN embedded Postgres (helpers.ts), never the one the other files share.
import { randomBytes } from 'node:crypto';
import { createDatabase } from '../../scripts/postgres';
import { ApiClient, type ApiResponse, eventually, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { type RevocationVariant, type SeparatePostgres, startSeparatePostgres, strategyOf, VARIANTS } from './helpers';

const DB_CONNECT_TIMEOUT_MS = 1000;

interface Subject {
  variant: RevocationVariant;
  server: TestServer;
  user: ApiClient;
}

describe('Postgres down and back: the revocation variants never answer from memory alone', () => {
  let pg: SeparatePostgres;
  const subjects: Subject[] = [];
  const subject = (v: RevocationVariant) => subjects.find((s) => s.variant === v)!;

  beforeAll(async () => {
    pg = await startSeparatePostgres();
    for (const variant of VARIANTS) {
      const db = await createDatabase(pg.adminUrl, `revdown_${variant.replace('-', '_')}_${randomBytes(4).toString('hex')}`);
      const server = await startTestServer(strategyOf(variant), { AUTH_VARIANT: variant, DB_CONNECT_TIMEOUT_MS: String(DB_CONNECT_TIMEOUT_MS) }, db);
      const user = await new ApiClient(strategyOf(variant), server.url).signUp();
      subjects.push({ variant, server, user });
    }
  }, 180_000);

  afterAll(async () => {
    await stopAllServers();
    await pg?.stop();
  }, 60_000);

  it.each(VARIANTS)('%s: GET /auth/me is 200 while Postgres is up (from memory for the push variants)', async (variant) => {
    const { user } = subject(variant);
    await user.get('/auth/me');
    const res = await user.get('/auth/me');
    expect(res.status).toBe(200);
    expect(res.body.credential.revocation).toBe(variant === 'jwt-denylist' ? 'database' : 'memory');
  });

  describe('while Postgres is down', () => {
    beforeAll(async () => {
      await pg.pause();
    }, 60_000);

    it.each(VARIANTS)('%s: GET /auth/me is 503 database_unavailable + Retry-After, never 200 from memory', async (variant) => {
      const { user } = subject(variant);
      let last: ApiResponse | undefined;
      // The instance learns of the lost LISTEN connection from its socket at once; allow it a moment.
      const unavailable = await eventually(async () => {
        last = await user.get('/auth/me');
        return last.status === 503;
      }, 3000);
      expect({ unavailable, status: last?.status }).toEqual({ unavailable: true, status: 503 });
      expect(last!.body.error.code).toBe('database_unavailable');
      expect(last!.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      // And it stays so: no request in a row is answered from memory.
      for (let i = 0; i < 5; i++) expect((await user.get('/auth/me')).status).toBe(503);
    });
  });

  describe('when Postgres is back', () => {
    beforeAll(async () => {
      await pg.resume();
    }, 60_000);

    it.each(VARIANTS)(
      '%s: service resumes without a restart, from memory again for the push variants',
      async (variant) => {
        const { user } = subject(variant);
        const expected = variant === 'jwt-denylist' ? 'database' : 'memory';
        const back = await eventually(
          async () => {
            await user.get('/auth/me');
            const res = await user.get('/auth/me');
            return res.status === 200 && res.body.credential.revocation === expected;
          },
          20_000,
          100,
        );
        expect(back).toBe(true);
        // Revocation still works end to end.
        const old = user.clone();
        expect((await user.post('/auth/logout')).status).toBe(204);
        expect(await eventually(async () => (await old.get('/auth/me')).status === 401, 2000, 10)).toBe(true);
      },
      30_000,
    );
  });
});
