// Issue 8 (low): login_failures was never pruned, so every address and name ever tried stayed in the
// table for good. Expected: rows older than the counting window and the longest lock are deleted
// periodically (LOGIN_FAILURES_PRUNE_INTERVAL_MS). Gray-box: rows are read and written with SQL.
import { randomBytes } from 'node:crypto';
import { ApiClient, eventually, sql, startTestServer, stopAllServers, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

describe('login_failures is pruned', () => {
  it('rows older than the window and the longest lock disappear (LOGIN_FAILURES_PRUNE_INTERVAL_MS=1000)', async () => {
    const server = await startTestServer('session', {
      LOGIN_FAILURES_PRUNE_INTERVAL_MS: '1000',
      LOGIN_THROTTLE_WINDOW_MS: '1000',
      LOGIN_MAX_LOCK_MS: '1000',
    });
    const stale = `user:stale-${randomBytes(4).toString('hex')}`;
    await sql(server.databaseUrl, "INSERT INTO login_failures (key, failures, last_failure_at) VALUES ($1, 7, now() - interval '1 day')", [stale]);
    const ghost = uniqueUsername('ghost');
    expect((await new ApiClient('session', server.url).login(ghost, 'not the password')).status).toBe(401);
    const keys = async () => (await sql<{ key: string }>(server.databaseUrl, 'SELECT key FROM login_failures')).map((r) => r.key);
    // The stale row and the fresh failure's rows (account and client; their key format is the server's).
    const before = await keys();
    expect({ stale: before.includes(stale), fresh: before.length > 1 }).toEqual({ stale: true, fresh: true });
    const gone = await eventually(async () => (await keys()).length === 0, 15_000, 250);
    expect({ pruned: gone, left: await keys() }).toEqual({ pruned: true, left: [] });
  }, 40_000);
});
