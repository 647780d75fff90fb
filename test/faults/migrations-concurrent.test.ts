// Several instances starting at once on one fresh database (SECURITY.md "Reliability expectations":
// migrations are safe under an advisory lock): all come up healthy, every migration file is applied
// exactly once, seed data is not duplicated, and the instances then serve one shared state.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Instance, startInstance } from '../../scripts/instances';
import { ApiClient, newDatabase, PASSWORD, STRATEGIES, type Strategy, sql, TEST_JWT_KEYS } from '../support/harness';

type TestServer = Instance;
const started: Instance[] = [];
afterAll(() => Promise.all(started.splice(0).map((i) => i.stop())));

/**
 * startTestServer with a longer start timeout: 3-4 instances compiling TypeScript at once on a
 * 2-core box (with another jest worker busy) can need more than the harness's 20 s. Same env as
 * the harness gives its servers.
 */
async function startTestServer(strategy: Strategy, env: Record<string, string>, databaseUrl: string): Promise<Instance> {
  const instance = await startInstance({
    strategy,
    databaseUrl,
    startTimeoutMs: 90_000,
    env: { SCRYPT_LOG_N: '10', JWT_KEYS: TEST_JWT_KEYS, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: PASSWORD, ...env },
  });
  started.push(instance);
  return instance;
}

const MIGRATIONS = readdirSync(join(__dirname, '..', '..', 'servers', 'core', 'db', 'migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort();

async function expectMigratedOnce(databaseUrl: string): Promise<void> {
  const rows = await sql<{ name: string; n: string }>(databaseUrl, 'SELECT name, count(*)::text AS n FROM schema_migrations GROUP BY name ORDER BY name');
  expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);
  expect(rows.filter((r) => r.n !== '1')).toEqual([]);
  const [products] = await sql<{ n: string; distinct_n: string }>(
    databaseUrl,
    'SELECT count(*)::text AS n, count(DISTINCT sku)::text AS distinct_n FROM products',
  );
  expect(products.n).toBe(products.distinct_n);
  expect(Number(products.n)).toBeGreaterThan(0);
  const admins = await sql(databaseUrl, "SELECT id FROM users WHERE lower(username) = 'admin'");
  expect(admins).toHaveLength(1);
}

async function expectHealthy(servers: TestServer[]): Promise<void> {
  for (const s of servers) {
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    expect(s.logs.some((l) => l.includes('"level":"error"'))).toBe(false);
  }
}

/** A user registered on the first instance logs in and writes on every other one. */
async function expectSharedState(servers: TestServer[]): Promise<void> {
  const owner = await new ApiClient(servers[0].strategy, servers[0].url).signUp();
  for (const s of servers.slice(1)) {
    const c = new ApiClient(s.strategy, s.url);
    expect((await c.login(owner.username!, PASSWORD)).status).toBe(200);
    if (s.strategy === owner.strategy) expect((await c.post('/cart/items', { sku: 'KB-001', qty: 1 })).status).toBe(200);
  }
}

describe.each(STRATEGIES)('%s server: 3 instances start at once on one fresh database', (strategy) => {
  it('all 3 come up healthy; schema_migrations lists each file exactly once; seed data once', async () => {
    const db = await newDatabase();
    const servers = await Promise.all([1, 2, 3].map((i) => startTestServer(strategy, { INSTANCE_ID: `${strategy}-m${i}` }, db)));
    await expectHealthy(servers);
    await expectMigratedOnce(db);
    await expectSharedState(servers);
  }, 180_000);

  it('3 more instances starting at once on the migrated database apply nothing again', async () => {
    const db = await newDatabase();
    const first = await startTestServer(strategy, { INSTANCE_ID: `${strategy}-first` }, db);
    const before = await sql<{ name: string; applied_at: Date }>(db, 'SELECT name, applied_at FROM schema_migrations ORDER BY name');
    const more = await Promise.all([1, 2, 3].map((i) => startTestServer(strategy, { INSTANCE_ID: `${strategy}-again${i}` }, db)));
    await expectHealthy([first, ...more]);
    expect(await sql(db, 'SELECT name, applied_at FROM schema_migrations ORDER BY name')).toEqual(before);
    await expectMigratedOnce(db);
  }, 180_000);
});

describe('session and jwt instances starting at once on one fresh database', () => {
  it("2 session + 2 jwt come up healthy; every migration (both strategies' tables) applied once", async () => {
    const db = await newDatabase();
    const plan: Strategy[] = ['session', 'jwt', 'session', 'jwt'];
    const servers = await Promise.all(plan.map((s, i) => startTestServer(s, { INSTANCE_ID: `mixed-${s}-${i}` }, db)));
    await expectHealthy(servers);
    await expectMigratedOnce(db);
    await expectSharedState(servers);
  }, 180_000);
});
