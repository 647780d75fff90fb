// `Authorization: Bearer <token>` (RFC 6750 2.1): the only place an access token is read from.
// Never from the query string (it ends up in logs, history and Referer: RFC 6750 5.3, SECURITY.md
// "Never in URLs"), never from a body or a cookie (a cookie would bring CSRF back).

// Our tokens are ~350 characters (a 3-claim header, 7 short claims, a 43-character signature); 2 KiB
// leaves room for long configured issuer/audience names. Anything longer is refused before any
// parsing, so a 16 KiB header (the server's limit) costs a length check, not a regex and a decode.
const MAX_AUTHORIZATION_LENGTH = 2048;
const SCHEME = 'bearer';

/** True when the value uses the Bearer scheme (RFC 9110 11.1: the scheme is case-insensitive). */
function isBearer(authorization: string): boolean {
  return (
    authorization.length >= SCHEME.length &&
    authorization.slice(0, SCHEME.length).toLowerCase() === SCHEME &&
    (authorization.length === SCHEME.length || authorization[SCHEME.length] === ' ')
  );
}

/** The token, or null when there is none, another scheme, or an oversized value. */
export function bearerToken(authorization: string | undefined): string | null {
  if (authorization === undefined || authorization.length > MAX_AUTHORIZATION_LENGTH) return null;
  // The common, exact spelling first: no allocation beyond the slice on the hot path.
  if (authorization.startsWith('Bearer ')) return authorization.slice(7).trimStart() || null;
  if (!isBearer(authorization)) return null;
  return authorization.slice(SCHEME.length).trimStart() || null;
}

/**
 * RFC 6750 3 and 3.1: a request without any bearer credential gets the bare challenge (no error
 * code: the client simply has not authenticated); one whose token was rejected gets
 * error="invalid_token", which tells a client to refresh or log in again.
 */
export function bearerChallenge(authorization: string | undefined): string {
  return authorization !== undefined && isBearer(authorization) ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"';
}
