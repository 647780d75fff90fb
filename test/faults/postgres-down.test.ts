// Postgres goes away and comes back (SECURITY.md "Reliability expectations"): requests that need the
// database get 503 database_unavailable + Retry-After within a bounded time (the pool's connection
// timeout), never hang and never crash the process; /healthz stays 200 and /readyz says 503; the
// plain jwt server keeps authenticating without the database (a measured property, not a bug); and
// when Postgres is back, service resumes without a restart.
//
// This file stops its OWN embedded Postgres (test/support/separate-postgres.ts), so the one the
// other test files share is never touched.
import { randomBytes } from 'node:crypto';
import { createDatabase } from '../../scripts/postgres';
import { type ApiResponse, ApiClient, eventually, STRATEGIES, type Strategy, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import { type SeparatePostgres, startSeparatePostgres } from '../support/separate-postgres';

// The connection timeout the servers get here; a DB-backed request must fail well within 3 s.
const DB_CONNECT_TIMEOUT_MS = 1000;
const BOUND_MS = 3000;

/** The request, timed. */
async function timed(fn: () => Promise<ApiResponse>): Promise<ApiResponse & { ms: number }> {
  const start = performance.now();
  const res = await fn();
  return Object.assign(res, { ms: performance.now() - start });
}

function expectUnavailable(res: ApiResponse & { ms: number }): void {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 503, code: 'database_unavailable' });
  expect(res.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
  expect(res.ms).toBeLessThan(BOUND_MS);
  expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1:\d+|postgres|stack/i);
}

interface Twin {
  strategy: Strategy;
  server: TestServer;
  user: ApiClient;
}

describe('Postgres down and back (a separate embedded Postgres)', () => {
  let pg: SeparatePostgres;
  const twins: Twin[] = [];
  const twin = (s: Strategy) => twins.find((t) => t.strategy === s)!;
  const alive = (server: TestServer) => {
    try {
      process.kill(server.pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    pg = await startSeparatePostgres();
    for (const strategy of STRATEGIES) {
      const db = await createDatabase(pg.adminUrl, `down_${strategy}_${randomBytes(4).toString('hex')}`);
      const server = await startTestServer(strategy, { DB_CONNECT_TIMEOUT_MS: String(DB_CONNECT_TIMEOUT_MS) }, db);
      const user = await new ApiClient(strategy, server.url).signUp();
      expect((await user.post('/cart/items', { sku: 'KB-001', qty: 2 })).status).toBe(200);
      twins.push({ strategy, server, user });
    }
  }, 120_000);

  afterAll(async () => {
    await stopAllServers();
    await pg?.stop();
  }, 60_000);

  it('while Postgres is up, GET /readyz is 200 on both servers', async () => {
    for (const { server } of twins) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  describe('while Postgres is down', () => {
    beforeAll(async () => {
      await pg.pause();
    }, 60_000);

    describe.each(STRATEGIES)('%s server', (strategy) => {
      it('GET /healthz: 200 (liveness needs no database)', async () => {
        const { server, user } = twin(strategy);
        const res = await timed(() => user.get('/healthz'));
        expect(res.status).toBe(200);
        expect(res.ms).toBeLessThan(BOUND_MS);
        expect(res.headers.get('x-instance-id')).toBe(server.instanceId);
      });

      it('GET /readyz: 503 database_unavailable + Retry-After, within 3 s', async () => {
        expectUnavailable(await timed(() => twin(strategy).user.get('/readyz', { auth: false })));
      });

      it('GET /products: 200 (the catalog is held in memory)', async () => {
        expect((await twin(strategy).user.get('/products')).status).toBe(200);
      });

      it('GET /cart: 503 database_unavailable + Retry-After, within 3 s', async () => {
        expectUnavailable(await timed(() => twin(strategy).user.get('/cart')));
      });

      it('POST /cart/items: 503 database_unavailable, within 3 s', async () => {
        expectUnavailable(await timed(() => twin(strategy).user.post('/cart/items', { sku: 'MS-002', qty: 1 })));
      });

      it('POST /auth/login: 503 database_unavailable (not 401: an outage is not a wrong password), within 3 s', async () => {
        const { user, server } = twin(strategy);
        expectUnavailable(
          await timed(() => new ApiClient(strategy, server.url).post('/auth/login', { username: user.username, password: 'correct horse battery staple' })),
        );
      });

      it('POST /auth/register: 503 database_unavailable, within 3 s', async () => {
        expectUnavailable(
          await timed(() =>
            new ApiClient(strategy, twin(strategy).server.url).post('/auth/register', {
              username: `down${Date.now()}`,
              password: 'correct horse battery staple',
            }),
          ),
        );
      });

      if (strategy === 'session') {
        it('GET /auth/me: 503 database_unavailable (the session lives in Postgres; never a 401 that logs the user out)', async () => {
          const res = await timed(() => twin(strategy).user.get('/auth/me'));
          expectUnavailable(res);
          expect(res.setCookies).toEqual([]); // the cookie is not cleared
        });
      } else {
        it('GET /auth/me: 200, the access token is verified without the database (measured property)', async () => {
          const { user } = twin(strategy);
          const res = await timed(() => user.get('/auth/me'));
          expect(res.status).toBe(200);
          expect(res.body.user.id).toBe(user.userId);
          expect(res.ms).toBeLessThan(BOUND_MS);
        });
      }

      it('40 concurrent GET /cart (more than the pool): all 503 within 3 s, no hang', async () => {
        const { user } = twin(strategy);
        const start = performance.now();
        const all = await Promise.all(Array.from({ length: 40 }, () => user.get('/cart')));
        const elapsed = performance.now() - start;
        expect(all.map((r) => `${r.status} ${r.body?.error?.code}`)).toEqual(all.map(() => '503 database_unavailable'));
        expect(elapsed).toBeLessThan(BOUND_MS);
      });

      it('the process stays up and is the same instance', async () => {
        const { server, user } = twin(strategy);
        expect(alive(server)).toBe(true);
        expect((await user.get('/healthz')).headers.get('x-instance-id')).toBe(server.instanceId);
      });
    });
  });

  describe('after Postgres comes back (no restart)', () => {
    beforeAll(async () => {
      await pg.resume();
    }, 60_000);

    describe.each(STRATEGIES)('%s server', (strategy) => {
      it('GET /readyz and GET /cart become 200 again, with the credential issued before the outage', async () => {
        const { user } = twin(strategy);
        expect(await eventually(async () => (await user.get('/readyz')).status === 200, 15_000, 200)).toBe(true);
        expect(await eventually(async () => (await user.get('/cart')).status === 200, 15_000, 200)).toBe(true);
        const cart = await user.get('/cart');
        expect(cart.body.items).toEqual([expect.objectContaining({ sku: 'KB-001', qty: 2 })]);
        expect((await user.get('/auth/me')).status).toBe(200);
      });

      it('writes, logins and registrations work again; nothing written during the outage appeared', async () => {
        const { user, server } = twin(strategy);
        const cart = await user.post('/cart/items', { sku: 'ST-006', qty: 1 });
        expect(cart.status).toBe(200);
        expect(cart.body.items.map((i: { sku: string; qty: number }) => `${i.sku}x${i.qty}`)).toEqual(['KB-001x2', 'ST-006x1']);
        expect((await new ApiClient(strategy, server.url).login(user.username!, 'correct horse battery staple')).status).toBe(200);
        expect((await new ApiClient(strategy, server.url).signUp()).userId).toBeTruthy();
      });

      it('it is the same process that served before the outage', () => {
        const { server } = twin(strategy);
        expect(alive(server)).toBe(true);
        expect(server.logs.filter((l) => l.includes('"msg":"listening"'))).toHaveLength(1);
        expect(server.logs.some((l) => l.includes('"level":"error"') && l.includes('unhandled'))).toBe(false);
      });
    });
  });
});
