// Access-token revocation: the seam between "the signature and claims are valid" and "the token may
// be used". Refresh families are always revoked in the database (refresh-tokens.ts); what happens to
// access tokens already handed out is what the jwt variants differ in (PRODUCT.md):
//   jwt          nothing: an access token works until its exp (5 min by default). That window is the
//                documented, measured property of the variant, not an oversight (SECURITY.md).
//   jwt-denylist one Postgres lookup per request (denylist-revocation.ts).
//   jwt-push     the same facts held in process, fed by LISTEN/NOTIFY; while the LISTEN connection
//                is down it asks Postgres like jwt-denylist (push-revocation.ts).
//
// Decision: revoke by refresh family, not by token. An access token's jti is
// `<family public id>.<random>`, so every access token names the login it came from, and every
// event revokes families: logout and DELETE /auth/sessions/:id one, logout-all, password change and
// disable all of the user's (refresh-tokens.ts), a reused refresh token its own. "Is this token
// revoked?" is then "is its family revoked, or older than the user's cutoff, or the user disabled?".
// Why not iat against the cutoff: iat has whole seconds, users.credentials_valid_after microseconds,
// and a password change issues the caller's fresh token within the cutoff's second, so "iat <
// cutoff" is ambiguous in exactly that second: it would either refuse the fresh token or accept the
// old ones issued earlier in that second. The family's created_at has microseconds on the same
// (database) clock as the cutoff: exact, and the fresh token's family is created after the cutoff.
// The denylist entries are the revoked family rows themselves: they are pruned an hour after they
// die (refresh-tokens.ts), after every access token they deny has expired (lifetime <= 1 h).
import type { AccessTokenClaims } from './access-token';

export interface AccessTokenRevocation {
  /**
   * Consulted by authenticate() after the signature and claims check. `false` (not a Promise) means
   * "nothing to look up": the plain variant stays free of database round trips and even of an await.
   */
  isRevoked(claims: AccessTokenClaims): boolean | Promise<boolean>;
  /** Logout: this access token (its jti, until its exp) must stop working. */
  revokeToken(claims: AccessTokenClaims): Promise<void>;
  /** DELETE /auth/sessions/:id, or a reused refresh token: every access token of this family. */
  revokeFamily(familyId: string, userId: string): Promise<void>;
  /**
   * Logout-all, password change, disable: every access token of the user issued until now. Core has
   * already moved the user's cutoff; `familyIds` are the families the refresh store just revoked.
   */
  revokeAllForUser(userId: string, familyIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The plain `jwt` variant: stateless by design, so every check is a no-op. */
export function noAccessTokenRevocation(): AccessTokenRevocation {
  return {
    // No lookup at all: a revoked user's access token keeps working until exp, on every instance.
    isRevoked: () => false,
    revokeToken: async () => {},
    revokeFamily: async () => {},
    revokeAllForUser: async () => {},
    close: async () => {},
  };
}
