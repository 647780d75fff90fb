// Security: attacks on the jwt server's access token (SECURITY.md "JWT", RFC 8725, RFC 9068,
// RFC 6750). Tokens are forged over real HTTP against a running server; the tests know the server's
// HS256 key (the harness sets JWT_KEYS), so claim checks are tested with *validly signed* tokens:
// a 401 then proves the claim check, not just the signature. After every attack the legitimate
// credential still works, and no attack ever yields a 5xx.
import { createHmac, generateKeyPairSync, randomBytes, sign as rsaSign } from 'node:crypto';
import { ApiClient, type ApiResponse, startTestServer, stopAllServers, TEST_JWT_KEYS, type TestServer } from '../support/harness';

afterAll(stopAllServers);

const [KID, SECRET_B64] = TEST_JWT_KEYS.split(':');
const SECRET = Buffer.from(SECRET_B64, 'base64url');
// The defaults of servers/core/config.ts (the harness does not override them).
const ISSUER = 'sessions-vs-tokens';
const AUDIENCE = 'sessions-vs-tokens-api';
const CHALLENGE_INVALID = 'Bearer realm="api", error="invalid_token"';

const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hmac = (input: string, key: Buffer | string) => createHmac('sha256', key).update(input).digest('base64url');

/** A compact JWS with exactly this header and payload (a string is used as the raw JSON text). */
function forge(header: unknown, payload: unknown, key: Buffer | string = SECRET): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${hmac(input, key)}`;
}

describe('Authorization: Bearer (jwt server)', () => {
  let server: TestServer;
  let victim: ApiClient;
  let claims: Record<string, unknown>;
  const header = () => ({ alg: 'HS256', typ: 'at+jwt', kid: KID });
  const now = () => Math.floor(Date.now() / 1000);

  /** Claims exactly like the server issues for the victim, valid now. */
  const validClaims = (): Record<string, unknown> => ({ ...claims, iat: now(), exp: now() + 300 });

  async function me(authorization: string | undefined, extra: Record<string, string> = {}, path = '/auth/me'): Promise<ApiResponse> {
    const anon = new ApiClient('jwt', server.url);
    const headers: Record<string, string> = { ...extra };
    if (authorization !== undefined) headers.authorization = authorization;
    return anon.get(path, { headers });
  }

  async function expectRejected(token: string): Promise<void> {
    const res = await me(`Bearer ${token}`);
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status: 401, code: 'unauthorized' });
    expect(res.headers.get('www-authenticate')).toBe(CHALLENGE_INVALID);
  }

  beforeAll(async () => {
    server = await startTestServer('jwt');
    victim = await new ApiClient('jwt', server.url).signUp();
    const payload = JSON.parse(Buffer.from(victim.accessToken!.split('.')[1], 'base64url').toString());
    claims = payload;
  });

  // After every attack the legitimate credential still works: the server neither crashed nor
  // disturbed it.
  afterEach(async () => {
    const res = await victim.get('/auth/me');
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(victim.userId);
  });

  describe('the issued token', () => {
    it('has exactly alg HS256, typ at+jwt and kid in its header, and only iss, sub, aud, exp, iat, jti, role as claims', () => {
      const [h] = victim.accessToken!.split('.');
      expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: KID });
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'role', 'sub']);
      expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: victim.userId, role: 'user' });
      expect((claims.exp as number) - (claims.iat as number)).toBe(300);
    });

    it('is accepted when forged with the right key and claims (the forging helper is sound)', async () => {
      const res = await me(`Bearer ${forge(header(), validClaims())}`);
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual({ id: victim.userId, role: 'user' });
    });

    it('GET /auth/me reports the credential from the token alone', async () => {
      const res = await victim.get('/auth/me');
      const { jti } = claims as { jti: string };
      expect(res.body.credential).toEqual({
        strategy: 'jwt',
        variant: 'jwt',
        sessionId: jti.split('.')[0],
        issuedAt: new Date((claims.iat as number) * 1000).toISOString(),
        expiresAt: new Date((claims.exp as number) * 1000).toISOString(),
        jti,
      });
    });
  });

  describe('algorithm', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])('refuses alg "%s" with an empty signature', async (alg) => {
      const input = `${b64url({ ...header(), alg })}.${b64url(validClaims())}`;
      await expectRejected(`${input}.`);
    });

    it.each(['none', 'None', 'NONE'])('refuses alg "%s" even with a valid HS256 signature appended', async (alg) => {
      await expectRejected(forge({ ...header(), alg }, validClaims()));
    });

    it.each(['HS384', 'HS512', 'hs256'])('refuses alg %s (pinned to HS256)', async (alg) => {
      await expectRejected(forge({ ...header(), alg }, validClaims()));
    });

    it('refuses HS/RS confusion: HS256 signed with an RSA public key (PEM) as the HMAC secret', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await expectRejected(forge(header(), validClaims(), pem));
    });

    it('refuses an RS256 token signed with an attacker RSA key', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const input = `${b64url({ ...header(), alg: 'RS256' })}.${b64url(validClaims())}`;
      await expectRejected(`${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`);
    });
  });

  describe('signature and structure', () => {
    it('refuses a tampered payload (sub of another user, role admin) under the original signature', async () => {
      const [h, , s] = victim.accessToken!.split('.');
      await expectRejected(`${h}.${b64url({ ...claims, sub: '1' })}.${s}`);
      await expectRejected(`${h}.${b64url({ ...claims, role: 'admin' })}.${s}`);
    });

    it('refuses a foreign signature (another 256-bit key, same kid)', async () => {
      await expectRejected(forge(header(), validClaims(), randomBytes(32)));
    });

    it('refuses an empty signature', async () => {
      const [h, p] = victim.accessToken!.split('.');
      await expectRejected(`${h}.${p}.`);
    });

    it('refuses a broken signature (one character changed, truncated, not base64url)', async () => {
      const [h, p, s] = victim.accessToken!.split('.');
      const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
      await expectRejected(`${h}.${p}.${flipped}`);
      await expectRejected(`${h}.${p}.${s.slice(0, -4)}`);
      await expectRejected(`${h}.${p}.${s.slice(0, -1)}*`);
    });

    it('refuses 2 and 4 segments', async () => {
      const [h, p, s] = victim.accessToken!.split('.');
      await expectRejected(`${h}.${p}`);
      await expectRejected(`${h}.${p}.${s}.${s}`);
      await expectRejected(`${h}.${p}.${s}.`);
    });

    it('refuses garbage and a refresh token used as an access token', async () => {
      await expectRejected('garbage');
      await expectRejected('a.b.c');
      await expectRejected(victim.cookies.get('rt')!.value);
    });
  });

  describe('header parameters', () => {
    it('refuses an unknown kid and a missing kid', async () => {
      await expectRejected(forge({ ...header(), kid: 'other' }, validClaims()));
      await expectRejected(forge({ ...header(), kid: '__proto__' }, validClaims()));
      const { kid: _kid, ...noKid } = header();
      await expectRejected(forge(noKid, validClaims()));
    });

    it('refuses typ JWT, a missing typ and another typ (RFC 9068: access tokens are at+jwt)', async () => {
      await expectRejected(forge({ ...header(), typ: 'JWT' }, validClaims()));
      await expectRejected(forge({ ...header(), typ: 'refresh+jwt' }, validClaims()));
      const { typ: _typ, ...noTyp } = header();
      await expectRejected(forge(noTyp, validClaims()));
    });

    it('refuses crit (unknown critical extensions), even when validly signed', async () => {
      await expectRejected(forge({ ...header(), crit: ['exp-ext'], 'exp-ext': true }, validClaims()));
      await expectRejected(forge({ ...header(), crit: ['b64'], b64: false }, validClaims()));
    });

    it('never uses key material from the token: jwk, jku, x5u', async () => {
      const attackerKey = randomBytes(32);
      await expectRejected(forge({ ...header(), jwk: { kty: 'oct', k: attackerKey.toString('base64url') } }, validClaims(), attackerKey));
      await expectRejected(forge({ ...header(), kid: 'attacker', jwk: { kty: 'oct', k: attackerKey.toString('base64url') } }, validClaims(), attackerKey));
      await expectRejected(forge({ ...header(), jku: 'http://127.0.0.1:1/jwks.json' }, validClaims(), attackerKey));
      await expectRejected(forge({ ...header(), x5u: 'http://127.0.0.1:1/cert.pem' }, validClaims(), attackerKey));
    });

    it('refuses a header that is not a JSON object', async () => {
      await expectRejected(forge('not json', validClaims()));
      await expectRejected(forge(['HS256'], validClaims()));
      await expectRejected(forge(null, validClaims()));
    });
  });

  describe('claims (validly signed tokens)', () => {
    it('refuses a token without exp (jsonwebtoken would accept it forever)', async () => {
      const { exp: _exp, ...noExp } = validClaims();
      await expectRejected(forge(header(), noExp));
    });

    it('refuses an expired token (beyond the clock tolerance)', async () => {
      await expectRejected(forge(header(), { ...validClaims(), iat: now() - 600, exp: now() - 300 }));
    });

    it('accepts a token expired by less than the clock tolerance (JWT_CLOCK_TOLERANCE_SECONDS, 30 s)', async () => {
      const res = await me(`Bearer ${forge(header(), { ...validClaims(), iat: now() - 305, exp: now() - 5 })}`);
      expect(res.status).toBe(200);
    });

    it('refuses non-numeric exp or iat, and a missing iat', async () => {
      await expectRejected(forge(header(), { ...validClaims(), exp: String(now() + 300) }));
      await expectRejected(forge(header(), { ...validClaims(), iat: 'yesterday' }));
      const { iat: _iat, ...noIat } = validClaims();
      await expectRejected(forge(header(), noIat));
    });

    it('refuses a token issued in the future', async () => {
      await expectRejected(forge(header(), { ...validClaims(), iat: now() + 3600, exp: now() + 3900 }));
    });

    it('refuses a wrong or missing iss', async () => {
      await expectRejected(forge(header(), { ...validClaims(), iss: 'someone-else' }));
      const { iss: _iss, ...noIss } = validClaims();
      await expectRejected(forge(header(), noIss));
    });

    it('refuses a wrong, missing or array aud', async () => {
      await expectRejected(forge(header(), { ...validClaims(), aud: 'another-api' }));
      await expectRejected(forge(header(), { ...validClaims(), aud: [AUDIENCE, 'another-api'] }));
      const { aud: _aud, ...noAud } = validClaims();
      await expectRejected(forge(header(), noAud));
    });

    it('refuses a missing or non-string sub, a missing jti and an unknown role', async () => {
      const { sub: _sub, ...noSub } = validClaims();
      await expectRejected(forge(header(), noSub));
      await expectRejected(forge(header(), { ...validClaims(), sub: Number(victim.userId) }));
      await expectRejected(forge(header(), { ...validClaims(), sub: 'alice' }));
      const { jti: _jti, ...noJti } = validClaims();
      await expectRejected(forge(header(), noJti));
      await expectRejected(forge(header(), { ...validClaims(), role: 'root' }));
    });

    it('refuses claims it never issues (nbf, __proto__, extra data)', async () => {
      await expectRejected(forge(header(), { ...validClaims(), nbf: now() - 10 }));
      await expectRejected(forge(header(), { ...validClaims(), email: 'a@example.com' }));
      const withProto = `{${JSON.stringify(validClaims()).slice(1, -1)},"__proto__":{"role":"admin"}}`;
      await expectRejected(forge(header(), withProto));
    });

    it('refuses a payload that is not a JSON object (string, number, array, null, not JSON)', async () => {
      for (const payload of ['"hello"', '42', '[1,2]', 'null', 'not json at all']) {
        await expectRejected(forge(header(), payload));
      }
    });
  });

  describe('transport', () => {
    it('sends the bare challenge when no credential was sent, and error="invalid_token" when one was rejected', async () => {
      const none = await me(undefined);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
      const rejected = await me('Bearer nope');
      expect(rejected.status).toBe(401);
      expect(rejected.headers.get('www-authenticate')).toBe(CHALLENGE_INVALID);
    });

    it('treats another scheme as no bearer credential', async () => {
      const res = await me(`Basic ${Buffer.from('a:b').toString('base64')}`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    });

    it('accepts the scheme case-insensitively (RFC 9110 11.1)', async () => {
      expect((await me(`bearer ${victim.accessToken}`)).status).toBe(200);
      expect((await me(`BEARER ${victim.accessToken}`)).status).toBe(200);
    });

    it('refuses "Bearer" without a token and an oversized value cheaply (401, not 500)', async () => {
      expect((await me('Bearer')).status).toBe(401);
      expect((await me('Bearer ')).status).toBe(401);
      const huge = await me(`Bearer ${victim.accessToken}${'A'.repeat(10_000)}`);
      expect(huge.status).toBe(401);
      const hugeDots = await me(`Bearer ${'a.'.repeat(5000)}a`);
      expect(hugeDots.status).toBe(401);
    });

    it('ignores a token in the query string, the body or a cookie', async () => {
      const token = victim.accessToken!;
      expect((await me(undefined, {}, `/auth/me?access_token=${token}`)).status).toBe(401);
      expect((await me(undefined, { cookie: `access_token=${token}; token=${token}; jwt=${token}` })).status).toBe(401);
      const anon = new ApiClient('jwt', server.url);
      const body = await anon.request('POST', '/auth/logout', { body: { access_token: token } });
      expect(body.status).toBe(401);
    });

    it('never answers 5xx to odd Authorization values', async () => {
      for (const value of ['Bearer \u00ff\u00fe', 'Bearer ....', 'Bearer .a.', 'Bearer a..b', 'Bearer =', `Bearer ${'\t'}x`]) {
        const res = await me(value);
        expect(res.status).toBe(401);
      }
    });
  });
});
