// The session cookie: the only place a session id is read from or written to (SECURITY.md
// "Cookie only": never from the query, the body or another header; never in a response body).
// Written by hand rather than with ctx.cookies: the `cookies` package behind it cannot emit Max-Age
// (only Expires, which depends on the client's clock) and throws when Secure meets plain HTTP.
import type { Context } from 'koa';
import { isWellFormedSessionId } from './session-id';

// A generic name (not koa-session's `koa.sess`) says nothing about the stack behind it.
const PLAIN_NAME = 'sid';
// RFC 6265bis 4.1.3.2: browsers accept a `__Host-` cookie only with Secure, Path=/ and no Domain,
// so neither a sibling subdomain nor a plain-HTTP response can plant or overwrite it.
const HOST_NAME = '__Host-sid';

/**
 * Decided per request: HTTPS (a TLS socket, or X-Forwarded-Proto: https when TRUST_PROXY lets Koa
 * believe it) gets `__Host-sid` + Secure; plain HTTP gets `sid`. Koa would throw (500) on a Secure
 * cookie over plain HTTP, and a fixed Secure flag would break the local plain-HTTP bench.
 *
 * The cookie is also accepted only under the name matching the request: a `__Host-sid` arriving over
 * plain HTTP was not issued on this channel and is ignored, and over HTTPS a plain `sid` is ignored,
 * because anyone on the network or on a sibling subdomain can set one (cookie tossing / fixation).
 */
export function sessionCookieName(ctx: Context): string {
  return ctx.secure ? HOST_NAME : PLAIN_NAME;
}

/**
 * The session id this request carries, or null. Strict on purpose (every case -> null, never an
 * exception): absent, sent twice (which copy would be the attacker's?), quoted, or anything that
 * newSessionId() cannot have produced (wrong length, NUL, non-ASCII...). Node joins repeated Cookie
 * headers with "; ", so a duplicate in a second header is seen here too.
 */
export function readSessionCookie(ctx: Context): string | null {
  const header = ctx.request.headers.cookie;
  if (!header) return null;
  const name = sessionCookieName(ctx);
  let found: string | null = null;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    if (found !== null) return null;
    found = pair.slice(eq + 1).trim();
  }
  return found !== null && isWellFormedSessionId(found) ? found : null;
}

/** Sets (or, with maxAgeSeconds 0 and an empty value, clears) the session cookie on the response. */
export function writeSessionCookie(ctx: Context, value: string, maxAgeSeconds: number): void {
  const name = sessionCookieName(ctx);
  // HttpOnly: scripts (an XSS) cannot read the id. SameSite=Lax: a cross-site POST/PUT/DELETE never
  // carries it, while following a link to the site keeps the user logged in; the Origin check in
  // core is the CSRF defence, this is depth. Path=/ and no Domain: required by `__Host-`, and the
  // host-only scope is right for `sid` too. Max-Age (seconds, relative) rather than Expires.
  const cookie = `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${ctx.secure ? '; Secure' : ''}`;
  // One Set-Cookie per name: replace what koa-session (or an earlier write) put there for this name.
  const previous = ctx.response.get('Set-Cookie') as string | string[];
  const kept = (Array.isArray(previous) ? previous : previous ? [previous] : []).filter((c) => !c.startsWith(`${name}=`));
  ctx.set('Set-Cookie', [...kept, cookie]);
}

/** Logout: same name and attributes, empty value, Max-Age=0 (the browser deletes it at once). */
export function clearSessionCookie(ctx: Context): void {
  writeSessionCookie(ctx, '', 0);
}
