// The NOTIFY self-test (servers/core/db/listener.ts): LISTEN succeeding proves nothing. Here the
// LISTEN connection reaches another database than the pool (LISTEN_DATABASE_URL != DATABASE_URL), so
// no revocation NOTIFY can ever arrive. The variants must notice at start-up, say so loudly, and
// never answer from memory: every check asks Postgres, and a revocation on one instance is refused
// by the other at the very next request. Control: LISTEN_DATABASE_URL naming the same database works.
import { ApiClient, eventually, newDatabase, sleep, stopAllServers } from '../support/harness';
import { expectServedFromMemory, lineIndex, me, on, PUSH_VARIANTS, startPair } from './helpers';

afterAll(stopAllServers);

const FAILED = 'revocation listener NOTIFY self-test FAILED';

describe.each(PUSH_VARIANTS)('%s', (variant) => {
  it('LISTEN on another database: the self-test fails, memory is never trusted, revocations are refused at once', async () => {
    const elsewhere = await newDatabase();
    const pair = await startPair(variant, { LISTEN_DATABASE_URL: elsewhere });
    for (const server of [pair.a, pair.b]) {
      expect(await eventually(async () => lineIndex(server.logs, FAILED) >= 0, 10_000)).toBe(true);
      expect(lineIndex(server.logs, 'revocation listener up')).toBe(-1);
      const line = JSON.parse(server.logs[lineIndex(server.logs, FAILED)]) as { level: string; hint?: string };
      expect(line.level).toBe('error');
      expect(line.hint).toContain('LISTEN_DATABASE_URL');
    }

    const c = await new ApiClient(pair.strategy, pair.a.url).signUp();
    // Several seconds, across the listener's retries: every answer comes from Postgres.
    const sources = new Set<string | undefined>();
    for (let i = 0; i < 12; i++) {
      for (const server of [pair.a, pair.b]) {
        const r = await me(on(c, server));
        expect(r.state).toBe('ok');
        sources.add(r.source);
      }
      await sleep(400);
    }
    expect(sources).toEqual(new Set(['database']));
    expect(lineIndex(pair.a.logs, 'revocation listener up')).toBe(-1);

    // The revocation's NOTIFY reaches no one; B refuses the old credential anyway, at the next request.
    const old = c.clone();
    expect((await c.post('/auth/logout')).status).toBe(204);
    expect((await me(on(old, pair.b))).state).toBe('revoked');
    expect((await me(on(old, pair.a))).state).toBe('revoked');
  }, 120_000);

  it('control: LISTEN_DATABASE_URL naming the same database passes the self-test and answers from memory', async () => {
    const db = await newDatabase();
    const pair = await startPair(variant, { LISTEN_DATABASE_URL: db }, db);
    const c = await new ApiClient(pair.strategy, pair.a.url).signUp();
    await expectServedFromMemory(on(c, pair.a), variant);
    await expectServedFromMemory(on(c, pair.b), variant);
    for (const server of [pair.a, pair.b]) expect(lineIndex(server.logs, FAILED)).toBe(-1);
  }, 120_000);
});
