// Issue 8, defect 6: ADMIN_USERNAME / ADMIN_PASSWORD at start-up. On the servers as first built, a
// normal user who had registered that name first was promoted to admin and kept their own password,
// and changing ADMIN_PASSWORD later had no effect. Expected: start-up refuses (exit non-zero before
// listening, a message naming ADMIN_USERNAME) when the name belongs to a non-admin, and the
// configured password is the one that logs in after a restart with a new one (rotation).
import { ApiClient, newDatabase, PASSWORD, STRATEGIES, sql, startTestServer, stopAllServers, uniqueUsername } from '../support/harness';

afterAll(stopAllServers);

const roleOf = async (databaseUrl: string, username: string) =>
  (await sql<{ role: string }>(databaseUrl, 'SELECT role FROM users WHERE lower(username) = lower($1)', [username]))[0]?.role;

describe.each(STRATEGIES)('%s server', (strategy) => {
  it('a name a normal user registered first (in any letter case) is not taken over: start-up exits non-zero naming ADMIN_USERNAME', async () => {
    const db = await newDatabase();
    const first = await startTestServer(strategy, {}, db);
    const boss = uniqueUsername('Boss');
    expect((await new ApiClient(strategy, first.url).register(boss, 'the squatters own password')).status).toBe(201);
    await first.stop();

    // The operator configures the lower-case spelling: the same account (usernames are case-insensitive).
    const takeover = startTestServer(strategy, { ADMIN_USERNAME: boss.toLowerCase(), ADMIN_PASSWORD: 'the operators configured password' }, db);
    await expect(takeover).rejects.toThrow(/exited with [1-9][0-9]* before listening[\s\S]*ADMIN_USERNAME/);
    expect(await roleOf(db, boss)).toBe('user');
  }, 120_000); // two server starts on a shared machine

  it('rotation: after a restart with a new ADMIN_PASSWORD the new one logs in and the old one does not', async () => {
    const db = await newDatabase();
    const oldPassword = 'the first admin password A';
    const newPassword = 'the rotated admin password B';
    const before = await startTestServer(strategy, { ADMIN_PASSWORD: oldPassword }, db);
    expect((await new ApiClient(strategy, before.url).login('admin', oldPassword)).status).toBe(200);
    await before.stop();

    const after = await startTestServer(strategy, { ADMIN_PASSWORD: newPassword }, db);
    const withNew = await new ApiClient(strategy, after.url).login('admin', newPassword);
    expect(withNew.status).toBe(200);
    expect(withNew.body.user.role).toBe('admin');
    expect((await new ApiClient(strategy, after.url).login('admin', oldPassword)).status).toBe(401);
    // The harness's default password was never configured on this database.
    expect((await new ApiClient(strategy, after.url).login('admin', PASSWORD)).status).toBe(401);
  }, 120_000);
});
