// Contract: POST /admin/users/:id/disable.
import { PASSWORD, STRATEGIES, startTestServer, stopAllServers, type TestServer } from '../support/harness';
import {
  adminClient,
  type ContractClient,
  client,
  expectCredentialAlive,
  expectCredentialRevoked,
  expectError,
  expectNoContent,
  expectOk,
  secondDevice,
  signedUp,
} from './helpers';

afterAll(stopAllServers);

describe.each(STRATEGIES)('%s server', (strategy) => {
  let server: TestServer;
  let admin: ContractClient;

  beforeAll(async () => {
    server = await startTestServer(strategy);
    admin = await adminClient(server);
  });

  const disable = (c: ContractClient, id: string) => c.post(`/admin/users/${id}/disable`);

  describe('POST /admin/users/:id/disable', () => {
    it('returns 204 for the admin and the user can no longer log in (401 invalid_credentials)', async () => {
      const victim = await signedUp(server);
      expectNoContent(await disable(admin, victim.userId ?? ''));
      expectError(await client(server).post('/auth/login', { username: victim.username, password: PASSWORD }), 401, 'invalid_credentials');
    });

    it("kills the disabled user's sessions (session) / refresh families (jwt)", async () => {
      const victim = await signedUp(server);
      const otherDevice = await secondDevice(server, victim);
      const replays = [victim.clone(), otherDevice.clone()];
      expectNoContent(await disable(admin, victim.userId ?? ''));
      for (const r of replays) await expectCredentialRevoked(r);
    });

    if (strategy === 'jwt') {
      it("leaves the disabled user's plain jwt access token valid until exp (the documented window)", async () => {
        const victim = await signedUp(server);
        expectNoContent(await disable(admin, victim.userId ?? ''));
        expectOk(await victim.get('/auth/me'));
      });
    }

    it('is idempotent: disabling a disabled user is 204 again', async () => {
      const victim = await signedUp(server);
      expectNoContent(await disable(admin, victim.userId ?? ''));
      expectNoContent(await disable(admin, victim.userId ?? ''));
    });

    it('leaves other users alone', async () => {
      const victim = await signedUp(server);
      const bystander = await signedUp(server);
      expectNoContent(await disable(admin, victim.userId ?? ''));
      await expectCredentialAlive(bystander);
      expectOk(await bystander.get('/auth/me'));
      expectOk(await client(server).post('/auth/login', { username: bystander.username, password: PASSWORD }));
    });

    it('returns 403 forbidden for a non-admin, and disables nobody', async () => {
      const attacker = await signedUp(server);
      const victim = await signedUp(server);
      expectError(await disable(attacker, victim.userId ?? ''), 403, 'forbidden');
      expectError(await disable(attacker, attacker.userId ?? ''), 403, 'forbidden');
      expectError(await disable(attacker, '999999999'), 403, 'forbidden'); // no existence oracle either
      expectOk(await client(server).post('/auth/login', { username: victim.username, password: PASSWORD }));
      await expectCredentialAlive(victim);
    });

    it('returns 401 unauthorized without a credential', async () => {
      const victim = await signedUp(server);
      expectError(await disable(client(server), victim.userId ?? ''), 401, 'unauthorized');
      expectOk(await client(server).post('/auth/login', { username: victim.username, password: PASSWORD }));
    });

    it('returns 404 user_not_found for an unknown id', async () => {
      expectError(await disable(admin, '999999999'), 404, 'user_not_found');
      expectError(await disable(admin, '999999999999999999'), 404, 'user_not_found');
    });

    it.each(['abc', '0', '-1', '1.5', '01', '1e3', '%20', '9'.repeat(19), '%00'])('returns 400 validation_failed for the id "%s"', async (id) => {
      expectError(await disable(admin, id), 400, 'validation_failed');
    });

    it('returns 403 forbidden_origin for a cross-site request from the admin', async () => {
      const victim = await signedUp(server);
      const res = await admin.post(`/admin/users/${victim.userId}/disable`, undefined, { headers: { origin: 'https://evil.example' } });
      expectError(res, 403, 'forbidden_origin');
      expectOk(await client(server).post('/auth/login', { username: victim.username, password: PASSWORD }));
    });

    it('returns 405 for GET', async () => {
      const victim = await signedUp(server);
      expectError(await admin.get(`/admin/users/${victim.userId}/disable`), 405, 'method_not_allowed');
    });
  });
});
