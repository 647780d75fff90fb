// Access-token revocation: the seam between "the signature and claims are valid" and "the token may
// be used". Refresh families are always revoked in the database (refresh-tokens.ts); what happens to
// access tokens already handed out is what the jwt variants differ in (PRODUCT.md):
//   jwt          nothing: an access token works until its exp (5 min by default). That window is the
//                documented, measured property of the variant, not an oversight (SECURITY.md).
//   jwt-denylist one Postgres lookup per request: the jti denylist plus the per-user cutoff.
//   jwt-push     the same data held in process, fed by LISTEN/NOTIFY, failing closed while deaf.
// Only `jwt` (and its string-secret bench twin) exists today; the other two plug in here.
//
// The per-user cutoff ("tokens issued before T are invalid", for logout-all, password change and
// disable) is users.credentials_valid_after: core moves it before calling revokeAllForUser in all
// three cases (user-store setPassword, disable, revokeCredentials), so the denylist variants compare
// a token's iat with it and need no cutoff table of their own. Beware the units: iat has whole
// seconds, the cutoff microseconds, and a password change issues the caller's fresh token within the
// cutoff's second, so "iat < cutoff" alone is ambiguous in that second (the family's created_at, also
// microseconds, is not).
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
  /** Logout-all, password change, disable: every access token of the user issued until now. */
  revokeAllForUser(userId: string): Promise<void>;
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
