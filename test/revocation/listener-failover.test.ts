// The LISTEN connection drops and returns (issue 4, PRODUCT.md: "A cached variant must fail closed
// (or fall back to the database) while its LISTEN connection is down, and resync when it comes back").
// Both instances' listener backends are terminated (pg_terminate_backend, found by application_name)
// while the database refuses new connections (ALLOW_CONNECTIONS false: existing pool connections keep
// working, the listener cannot come back), so the "down" state lasts as long as the test needs:
//  - while down, every check goes to Postgres: GET /auth/me says `revocation: "database"`, a live
//    credential still works, and revocations take effect at once, even one written straight into the
//    table with no notification at all (which no memory could have heard of);
//  - once connections are allowed again, the listener returns by itself (backoff), answers come from
//    memory again, and memory is in sync: what was revoked while it was deaf stays refused, and a new
//    revocation propagates within the notify latency.
import type pg from 'pg';
import { ApiClient, eventually, sleep, stopAllServers } from '../support/harness';
import {
  adminUrl,
  connect,
  databaseName,
  device,
  expectServedFromMemory,
  lineIndex,
  listenerName,
  me,
  NOTIFY_BOUND_MS,
  on,
  type Pair,
  PUSH_VARIANTS,
  printWindows,
  revokedAfter,
  startPair,
  type Window,
} from './helpers';

const windows: Window[] = [];

afterAll(async () => {
  await stopAllServers();
  printWindows('revocation windows after the listener returned', windows);
});

describe.each(PUSH_VARIANTS)('%s: the LISTEN connection drops and returns', (variant) => {
  let pair: Pair;
  let admin: pg.Client; // on the maintenance database: ALTER DATABASE, pg_terminate_backend
  let held: pg.Client; // on the test database, opened while connections are still allowed
  let dbName: string;

  const allowConnections = (allow: boolean) => admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS ${allow}`);
  const listenerBackends = async () =>
    (
      await admin.query<{ application_name: string }>('SELECT application_name FROM pg_stat_activity WHERE application_name = ANY($1)', [
        [listenerName(pair.a), listenerName(pair.b)],
      ])
    ).rows.map((r) => r.application_name);

  /** Revokes a credential behind the servers' backs: the row changes, no NOTIFY is sent. */
  async function revokeSilently(sessionId: string): Promise<void> {
    const r =
      variant === 'session-cached'
        ? await held.query('DELETE FROM sessions WHERE public_id = $1', [sessionId])
        : await held.query('UPDATE jwt_refresh_families SET revoked_at = now() WHERE public_id = $1', [sessionId]);
    expect(r.rowCount).toBe(1);
  }

  beforeAll(async () => {
    pair = await startPair(variant);
    dbName = databaseName(pair.databaseUrl);
    admin = await connect(adminUrl());
    held = await connect(pair.databaseUrl);
  }, 90_000);

  afterAll(async () => {
    await allowConnections(true).catch(() => {});
    await held?.end().catch(() => {});
    await admin?.end().catch(() => {});
  });

  it('falls back to Postgres while down, and answers from an in-sync memory once it is back', async () => {
    // Three devices of one user: one revoked through the API while deaf, one revoked silently while
    // deaf, one kept alive (and revoked through the API after the listener is back).
    const viaApi = await new ApiClient(pair.strategy, pair.a.url).signUp();
    const silent = await device(pair.a, viaApi);
    const keeper = await device(pair.a, viaApi);
    const silentId = (await me(silent)).res.body.credential.sessionId as string;
    for (const c of [viaApi, silent, keeper]) {
      await expectServedFromMemory(on(c, pair.a), variant);
      await expectServedFromMemory(on(c, pair.b), variant);
    }
    expect((await listenerBackends()).sort()).toEqual([listenerName(pair.a), listenerName(pair.b)].sort());
    const logsFrom = pair.b.logs.length;

    // --- down ---
    await allowConnections(false);
    try {
      const killed = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ANY($1)', [
        [listenerName(pair.a), listenerName(pair.b)],
      ]);
      expect(killed.rowCount).toBe(2);

      // Both instances notice at once and check Postgres on every request; a live credential still works.
      for (const server of [pair.a, pair.b]) {
        const fellBack = await eventually(async () => (await me(on(keeper, server))).source === 'database', 2000, 10);
        expect({ instance: server === pair.a ? 'A' : 'B', fellBack }).toEqual({ instance: server === pair.a ? 'A' : 'B', fellBack: true });
      }
      expect(await eventually(async () => lineIndex(pair.b.logs, 'revocation listener down', logsFrom) >= 0, 2000)).toBe(true);
      expect(await listenerBackends()).toEqual([]);

      // A revocation through the API (its NOTIFY reaches no one): refused on both at the next request.
      const viaApiOld = viaApi.clone();
      expect((await viaApi.post('/auth/logout')).status).toBe(204);
      for (const server of [pair.a, pair.b]) expect((await me(on(viaApiOld, server))).state).toBe('revoked');

      // A revocation no notification announces: refused just the same, because Postgres answers.
      await revokeSilently(silentId);
      for (const server of [pair.a, pair.b]) expect((await me(on(silent, server))).state).toBe('revoked');

      // Still down a while later (the listener keeps retrying with backoff), still answering from Postgres.
      await sleep(500);
      expect((await me(on(keeper, pair.b))).source).toBe('database');

      // --- back ---
      await allowConnections(true);
      for (const server of [pair.a, pair.b]) {
        // The first lookup after the resync may be a cache miss (session-cached starts empty).
        const back = await eventually(
          async () => {
            await me(on(keeper, server));
            return (await me(on(keeper, server))).source === 'memory';
          },
          15_000,
          50,
        );
        expect({ instance: server === pair.a ? 'A' : 'B', back }).toEqual({ instance: server === pair.a ? 'A' : 'B', back: true });
      }
      expect(lineIndex(pair.b.logs, 'revocation listener up', lineIndex(pair.b.logs, 'revocation listener down', logsFrom))).toBeGreaterThan(0);
      expect((await listenerBackends()).sort()).toEqual([listenerName(pair.a), listenerName(pair.b)].sort());

      // In sync: what was revoked while deaf stays refused, now answered from memory.
      for (const server of [pair.a, pair.b]) {
        expect((await me(on(viaApiOld, server))).state).toBe('revoked');
        expect((await me(on(silent, server))).state).toBe('revoked');
        await expectServedFromMemory(on(keeper, server), variant);
      }

      // And notifications flow again: a revocation on A reaches B within the notify latency.
      const keeperOld = keeper.clone();
      expect((await keeper.post('/auth/logout')).status).toBe(204);
      const since = performance.now();
      for (const [instance, server] of [
        ['A', pair.a],
        ['B', pair.b],
      ] as const) {
        const r = await revokedAfter(on(keeperOld, server), since, NOTIFY_BOUND_MS);
        windows.push({ variant, event: 'logout after return', instance, ...r });
        expect(r.ms).not.toBeNull();
      }
    } finally {
      await allowConnections(true);
    }
  }, 90_000);
});
