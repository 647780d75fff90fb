// Security: the jwt server's signing keys (SECURITY.md "Keys"). HS256 keys shorter than 32 bytes are
// refused at startup (jsonwebtoken itself signs with a 1-byte secret); `kid` selects the key from a
// fixed set, so keys rotate with an overlap window.
import { randomBytes } from 'node:crypto';
import { startInstance } from '../../scripts/instances';
import { ApiClient, newDatabase, startTestServer, stopAllServers } from '../support/harness';

afterAll(stopAllServers);

const key = (kid: string, bytes = 32) => `${kid}:${randomBytes(bytes).toString('base64url')}`;
const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;

describe('JWT_KEYS', () => {
  it('refuses to start with a key shorter than 32 bytes', async () => {
    const start = startInstance({ strategy: 'jwt', databaseUrl: await newDatabase(), env: { JWT_KEYS: key('short', 31), SCRYPT_LOG_N: '10' } });
    await expect(start).rejects.toThrow(/exited with 2[\s\S]*32/);
  });

  it('refuses to start when one key of several is short', async () => {
    const start = startInstance({ strategy: 'jwt', databaseUrl: await newDatabase(), env: { JWT_KEYS: `${key('ok')},${key('weak', 8)}`, SCRYPT_LOG_N: '10' } });
    await expect(start).rejects.toThrow(/exited with 2/);
  });

  it('rotation: a token signed with the old kid still verifies after a new current kid is added; the old kid dropped ends it', async () => {
    const oldKey = key('old');
    const newKey = key('new');
    const before = await startTestServer('jwt', { JWT_KEYS: oldKey });
    const c = await new ApiClient('jwt', before.url).signUp();
    const oldToken = c.accessToken!;
    expect(kidOf(oldToken)).toBe('old');

    // Overlap window: both keys, signing with the new one (same database: a rolling deploy).
    const during = await startTestServer('jwt', { JWT_KEYS: `${oldKey},${newKey}`, JWT_CURRENT_KID: 'new' }, before.databaseUrl);
    const onDuring = c.clone(during.url);
    expect((await onDuring.get('/auth/me')).status).toBe(200);
    const refreshed = await onDuring.post('/auth/refresh');
    expect(refreshed.status).toBe(200);
    expect(kidOf(refreshed.body.accessToken)).toBe('new');
    expect((await onDuring.get('/auth/me')).status).toBe(200);

    // After the window: the old key is gone, its tokens are refused, the new ones still work.
    const after = await startTestServer('jwt', { JWT_KEYS: newKey }, before.databaseUrl);
    const stale = await new ApiClient('jwt', after.url).get('/auth/me', { headers: { authorization: `Bearer ${oldToken}` } });
    expect(stale.status).toBe(401);
    expect((await onDuring.clone(after.url).get('/auth/me')).status).toBe(200);
  });
});

describe('AUTH_VARIANT=jwt-string-secret', () => {
  it('behaves exactly like jwt (the slow jsonwebtoken path is a bench cell, not a behaviour change)', async () => {
    const server = await startTestServer('jwt', { AUTH_VARIANT: 'jwt-string-secret' });
    const c = await new ApiClient('jwt', server.url).signUp();
    const me = await c.get('/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.credential).toMatchObject({ strategy: 'jwt', variant: 'jwt-string-secret' });
    expect((await c.post('/auth/refresh')).status).toBe(200);
    const [h, p, s] = c.accessToken!.split('.');
    const tampered = await new ApiClient('jwt', server.url).get('/auth/me', {
      headers: { authorization: `Bearer ${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}` },
    });
    expect(tampered.status).toBe(401);
  });
});
