// The refresh-token cookie. Written by hand rather than with ctx.cookies.set: the `cookies` package
// only emits Expires, and we want Max-Age (relative, so immune to client clock skew; it wins over
// Expires, RFC 6265 5.3 step 3), with Expires kept for old clients.
import type { Context } from 'koa';

// Path-scoped: browsers send the refresh token to POST /auth/refresh and nowhere else, so it is not
// on every API request where a logging proxy or an XSS-readable response could meet it.
const PATH = '/auth/refresh';
// A path-scoped cookie cannot use `__Host-` (it requires Path=/), so the `__Secure-` prefix is the
// strongest available: browsers accept it only with the Secure flag from a secure origin
// (RFC 6265bis 4.1.3.1). Over plain http (local dev, the bench) the bare name is used.
const SECURE_NAME = '__Secure-rt';
const PLAIN_NAME = 'rt';

function cookieName(ctx: Context): string {
  // ctx.secure honours X-Forwarded-Proto only when app.proxy is set (TRUST_PROXY).
  return ctx.secure ? SECURE_NAME : PLAIN_NAME;
}

function attributes(ctx: Context): string {
  // HttpOnly: page scripts (an XSS) cannot read it. SameSite=Strict: no cross-site request carries it,
  // not even a top-level navigation (the origin check in core is the CSRF defence; this is depth).
  return `; Path=${PATH}; HttpOnly; SameSite=Strict${ctx.secure ? '; Secure' : ''}`;
}

/** Replaces any Set-Cookie for `name` already on the response (one cookie per response). */
function setCookieHeader(ctx: Context, name: string, header: string): void {
  const existing = ctx.res.getHeader('Set-Cookie');
  const others = (Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)]).filter((h) => !h.startsWith(`${name}=`));
  ctx.res.setHeader('Set-Cookie', [...others, header]);
}

/** The refresh token the browser sent (this request's cookie name only), or undefined. */
export function readRefreshCookie(ctx: Context): string | undefined {
  // signed: false: the token is its own integrity (256 random bits checked against a stored hash).
  return ctx.cookies.get(cookieName(ctx), { signed: false });
}

export function setRefreshCookie(ctx: Context, token: string, lifetimeMs: number): void {
  // Rounded down, so the cookie never outlives what the server would still accept (SECURITY.md:
  // Max-Age no longer than the remaining lifetime).
  const maxAgeSeconds = Math.max(0, Math.floor(lifetimeMs / 1000));
  const expires = new Date(Date.now() + maxAgeSeconds * 1000).toUTCString();
  const name = cookieName(ctx);
  setCookieHeader(ctx, name, `${name}=${token}; Max-Age=${maxAgeSeconds}; Expires=${expires}${attributes(ctx)}`);
}

export function clearRefreshCookie(ctx: Context): void {
  // Same name, path and flags, or the browser would keep the original.
  const name = cookieName(ctx);
  setCookieHeader(ctx, name, `${name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${attributes(ctx)}`);
}
