// Behind PgBouncer in transaction mode (issue 10, section 4): the memory-answering variants keep
// their promise. Each instance's queries go through a PgBouncer this file starts (Debian's package;
// the file is skipped with a note when it is not installed; CI installs it), its LISTEN goes direct
// (LISTEN_DATABASE_URL) and its statements are unnamed (PG_PREPARED_STATEMENTS=0):
//  - a revocation on instance A reaches instance B, which answered from memory before, within the
//    notify latency;
//  - the classic mistake, LISTEN through the pooler too (LISTEN_DATABASE_URL unset), is caught by the
//    NOTIFY self-test: the instance answers from Postgres, and a revocation is still refused at once.
import { findPgBouncer, type PgBouncer, startPgBouncer } from '../../bench/pgbouncer';
import { ApiClient, eventually, newDatabase, sleep, stopAllServers } from '../support/harness';
import {
  adminUrl,
  databaseName,
  expectServedFromMemory,
  lineIndex,
  me,
  NOTIFY_BOUND_MS,
  on,
  PUSH_VARIANTS,
  printWindows,
  revokedAfter,
  startPair,
  type Window,
} from './helpers';

const installed = findPgBouncer();
if (!installed) console.warn('pgbouncer is not installed (apt-get install pgbouncer): the PgBouncer tests are skipped');
const describeIf = installed ? describe : describe.skip;

const windows: Window[] = [];
let bouncer: PgBouncer | null = null;

beforeAll(async () => {
  if (installed) bouncer = await startPgBouncer({ upstreamUrl: adminUrl(), poolSize: 8 });
}, 30_000);

afterAll(async () => {
  await stopAllServers();
  await bouncer?.stop();
  printWindows('revocation windows behind PgBouncer (transaction mode)', windows);
});

/** Clients PgBouncer holds for `database`: proof the servers' queries go through it. */
async function pooledClients(database: string): Promise<number> {
  const rows = await (bouncer as PgBouncer).show('CLIENTS');
  return rows.filter((r) => r.database === database).length;
}

describeIf.each(PUSH_VARIANTS)('%s behind PgBouncer in transaction mode', (variant) => {
  it('a revocation on A reaches B (which answered from memory) within the notify latency', async () => {
    const direct = await newDatabase();
    const name = databaseName(direct);
    const pair = await startPair(variant, { LISTEN_DATABASE_URL: direct, PG_PREPARED_STATEMENTS: '0' }, (bouncer as PgBouncer).url(name));
    expect(await pooledClients(name)).toBeGreaterThan(0);
    for (const server of [pair.a, pair.b]) expect(lineIndex(server.logs, 'revocation listener NOTIFY self-test FAILED')).toBe(-1);

    const c = await new ApiClient(pair.strategy, pair.a.url).signUp();
    await expectServedFromMemory(on(c, pair.a), variant);
    await expectServedFromMemory(on(c, pair.b), variant);
    // The cart path runs unnamed statements in a transaction through the pooler as well.
    expect((await c.get('/cart')).status).toBe(200);

    const old = c.clone();
    expect((await c.post('/auth/logout')).status).toBe(204);
    // Both instances probed at once from the moment the logout returned.
    const since = performance.now();
    const seen = await Promise.all([pair.a, pair.b].map((server) => revokedAfter(on(old, server), since, NOTIFY_BOUND_MS)));
    windows.push(...seen.map((r, i): Window => ({ variant: `${variant} (pgbouncer)`, event: 'logout', instance: i === 0 ? 'A' : 'B', ...r })));
    expect(seen.map((r) => r.ms !== null)).toEqual([true, true]);
  }, 120_000);
});

describeIf('LISTEN through PgBouncer as well (LISTEN_DATABASE_URL not set)', () => {
  it('the NOTIFY self-test fails: no answer from memory, a loud log line, and revocations still refused at once', async () => {
    const name = databaseName(await newDatabase());
    const pair = await startPair('session-cached', { PG_PREPARED_STATEMENTS: '0' }, (bouncer as PgBouncer).url(name));
    for (const server of [pair.a, pair.b]) {
      expect(await eventually(async () => lineIndex(server.logs, 'revocation listener NOTIFY self-test FAILED') >= 0, 10_000)).toBe(true);
      expect(lineIndex(server.logs, 'revocation listener up')).toBe(-1);
    }
    const c = await new ApiClient('session', pair.a.url).signUp();
    // Over several seconds (the listener retries with backoff meanwhile): never from memory.
    const sources = new Set<string | undefined>();
    for (let i = 0; i < 10; i++) {
      for (const server of [pair.a, pair.b]) sources.add((await me(on(c, server))).source);
      await sleep(300);
    }
    expect(sources).toEqual(new Set(['database']));
    const old = c.clone();
    expect((await c.post('/auth/logout')).status).toBe(204);
    for (const server of [pair.a, pair.b]) expect((await me(on(old, server))).state).toBe('revoked');
  }, 120_000);
});
