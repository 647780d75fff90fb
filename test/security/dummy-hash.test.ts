// The hash a login of an unknown user is verified against (run-server.ts builds it at start-up
// instead of hashing a random password): shaped and priced like a real hash, matched by no password.
import { hashPassword, unmatchableHash, verifyPassword } from '../../servers/core/users/password';

describe('unmatchableHash', () => {
  it('has the scheme, cost parameters and field sizes of a real hash, so verifying it costs the same scrypt', async () => {
    const real = (await hashPassword('some password', 12)).split('$');
    const dummy = unmatchableHash(12).split('$');
    expect(dummy.slice(0, 4)).toEqual(real.slice(0, 4)); // scrypt, logN, r, p
    expect(dummy.map((field) => field.length)).toEqual(real.map((field) => field.length));
  });

  it('is matched by no password and differs at every start', async () => {
    const hash = unmatchableHash(10);
    for (const password of ['', 'password', 'correct horse battery staple', hash]) expect(await verifyPassword(password, hash)).toBe(false);
    expect(unmatchableHash(10)).not.toBe(hash);
  });
});
