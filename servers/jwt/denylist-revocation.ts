// The `jwt-denylist` variant: every request with a valid signature also asks Postgres whether the
// token was revoked, in one indexed query (revocation.ts explains why the unit is the family).
// Revocation is immediate: the next request anywhere sees the committed row.
import type { Db } from '../core/db/db';
import type { AccessTokenClaims } from './access-token';
import type { AccessTokenRevocation } from './revocation';

/**
 * One round trip, two primary-key probes: the family by its unique public id (from the jti), the user
 * by id. The token passes only if its family is not revoked, was created at or after the user's
 * cutoff (both microseconds on the database clock: the password-change token's new family passes,
 * every older one fails) and the user is not disabled. No row, including a family already pruned
 * (an hour after it died, when its tokens have long expired), means revoked: it fails closed.
 * A database fault throws: the error funnel answers 503, never "allow".
 */
export async function isRevokedInDatabase(db: Db, claims: AccessTokenClaims): Promise<boolean> {
  const r = await db.query({
    name: 'jwt_access_live',
    text: `SELECT 1 FROM jwt_refresh_families f JOIN users u ON u.id = f.user_id
           WHERE f.public_id = $1 AND f.user_id = $2 AND f.revoked_at IS NULL
             AND u.disabled_at IS NULL AND f.created_at >= u.credentials_valid_after`,
    values: [claims.familyId, claims.userId],
  });
  return r.rowCount === 0;
}

export function createDenylistRevocation(db: Db): AccessTokenRevocation {
  return {
    isRevoked: (claims) => isRevokedInDatabase(db, claims),
    // Nothing to add: the events' own writes are the denylist. Logout and DELETE /auth/sessions/:id
    // revoke the family and logout-all / password change / disable move the user's cutoff and revoke
    // every family, all in Postgres and before the route answers.
    revokeToken: async () => {},
    revokeFamily: async () => {},
    revokeAllForUser: async () => {},
    close: async () => {},
  };
}
