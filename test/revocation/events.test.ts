// Revocation across instances (issue 4): for each variant that checks revocation on every request,
// and each event that ends a credential, two instances run on one database; the event happens on A
// and the old credential is probed on A and B until refused. jwt-denylist must refuse it on the very
// next request; session-cached and jwt-push within the notify latency (NOTIFY_BOUND_MS here, the
// bench measures the real window). Before each event the credential is shown to be answered from
// memory on both instances, so the cached path is the one under test. Windows are printed at the end.
import { ApiClient, PASSWORD, sleep, stopAllServers } from '../support/harness';
import { device, expectServedFromMemory, me, NOTIFY_BOUND_MS, on, type Pair, printWindows, revokedAfter, startPair, VARIANTS, type Window } from './helpers';

const windows: Window[] = [];

afterAll(async () => {
  await stopAllServers();
  printWindows('revocation windows (ms from the revoking response to the first 401)', windows);
});

describe.each(VARIANTS)('%s: two instances on one database', (variant) => {
  let pair: Pair;
  let bystander: ApiClient;
  // jwt-denylist: "revoked at the next request", so one probe and no retry.
  const boundMs = variant === 'jwt-denylist' ? 0 : NOTIFY_BOUND_MS;

  beforeAll(async () => {
    pair = await startPair(variant);
    bystander = await new ApiClient(pair.strategy, pair.b.url).signUp();
  }, 90_000);

  // Another user's credential is never collateral damage.
  afterEach(async () => {
    expect((await me(bystander)).state).toBe('ok');
  });

  const signedUpOnA = () => new ApiClient(pair.strategy, pair.a.url).signUp();

  /** Every credential in `victims` answers from memory on A and on B before the event. */
  async function warm(victims: ApiClient[]): Promise<void> {
    for (const v of victims) {
      await expectServedFromMemory(on(v, pair.a), variant);
      await expectServedFromMemory(on(v, pair.b), variant);
    }
  }

  /** Every credential in `victims` is refused on A and B within the variant's promise, and stays refused. */
  async function expectRevokedEverywhere(event: string, victims: ApiClient[], sinceMs: number): Promise<void> {
    const probes = victims.flatMap((v) => [
      { instance: 'A' as const, client: on(v, pair.a) },
      { instance: 'B' as const, client: on(v, pair.b) },
    ]);
    const results = await Promise.all(probes.map(async (p) => ({ ...p, ...(await revokedAfter(p.client, sinceMs, boundMs)) })));
    for (const r of results) windows.push({ variant, event, instance: r.instance, ms: r.ms, okProbes: r.okProbes });
    for (const r of results) {
      expect({ event, instance: r.instance, revoked: r.ms !== null }).toEqual({ event, instance: r.instance, revoked: true });
      if (variant === 'jwt-denylist') expect(r.okProbes).toBe(0);
    }
    // Still refused a moment later: no lookup that raced the revocation put it back into a cache.
    await sleep(300);
    for (const p of probes) expect((await me(p.client)).state).toBe('revoked');
  }

  it('POST /auth/logout on A: the credential is refused on A and B', async () => {
    const v = await signedUpOnA();
    const old = v.clone();
    await warm([old]);
    expect((await v.post('/auth/logout')).status).toBe(204);
    await expectRevokedEverywhere('logout', [old], performance.now());
    if (pair.strategy === 'jwt') expect((await old.post('/auth/refresh')).status).toBe(401);
  });

  it('POST /auth/logout-all on A: every device of the user is refused on A and B', async () => {
    const v = await signedUpOnA();
    const other = await device(pair.b, v);
    const old = v.clone();
    await warm([old, other]);
    expect((await v.post('/auth/logout-all')).status).toBe(204);
    await expectRevokedEverywhere('logout-all', [old, other], performance.now());
  });

  it('POST /auth/password on A: the old credentials are refused on A and B, the fresh one works on both', async () => {
    const v = await signedUpOnA();
    const other = await device(pair.b, v);
    const old = v.clone();
    await warm([old, other]);
    const res = await v.post('/auth/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD} v2` });
    expect(res.status).toBe(200);
    await expectRevokedEverywhere('password change', [old, other], performance.now());
    // The credential the password change handed out (issued in the cutoff's second) works
    // everywhere, from memory, also once every notification of the event has arrived.
    await warm([v]);
    expect((await me(on(v, pair.b))).state).toBe('ok');
  });

  it('POST /admin/users/:id/disable on A: every credential of the user is refused on A and B', async () => {
    const admin = new ApiClient(pair.strategy, pair.a.url);
    expect((await admin.login('admin', PASSWORD)).status).toBe(200);
    const v = await new ApiClient(pair.strategy, pair.b.url).signUp();
    const other = await device(pair.a, v);
    await warm([v, other]);
    expect((await admin.post(`/admin/users/${v.userId}/disable`)).status).toBe(204);
    await expectRevokedEverywhere('admin disable', [v, other], performance.now());
    expect((await new ApiClient(pair.strategy, pair.b.url).login(v.username!)).status).toBe(401);
  });

  it("DELETE /auth/sessions/:id on A: that session is refused on A and B, the caller's still works", async () => {
    const v = await signedUpOnA();
    const other = await device(pair.b, v);
    const otherId = (await me(other)).res.body.credential.sessionId as string;
    await warm([v, other]);
    expect((await v.delete(`/auth/sessions/${otherId}`)).status).toBe(204);
    await expectRevokedEverywhere('DELETE session', [other], performance.now());
    await warm([v]);
  });
});
